"""The org file's reasons in Thai, for the console. The rules stay in bot.office.orgfile (its
messages are for the command line); this only words them for an admin reading a web page. A
reason not listed here is shown as the org file gave it."""

from __future__ import annotations

import re

FIELDS = {"name": "ชื่อ", "short_name": "ชื่อย่อ", "director": "ผู้อำนวยการ", "key": "รหัส",
          "position": "ตำแหน่ง", "website": "เว็บไซต์", "phone": "โทรศัพท์", "code": "รหัสหมวด",
          "short": "ชื่อย่อของหมวด", "address": "ที่อยู่", "logo": "ตราสำนักงาน",
          "regulated": "regulated (หมวดที่กฎหมายกำหนด)", "minimum": "minimum (หมวดที่ต้องมีเสมอ)",
          "active": "active (เปิดให้เลือก)"}
LINE = re.compile(r"^line (\d+): ")

_THAI: list[tuple[re.Pattern, str]] = [(re.compile(p), t) for p, t in (
    (r"^'(\w+)' is required$", "ต้องกรอก{field}"),
    (r"^'(\w+)' must be text$", "{field} ต้องเป็นข้อความ"),
    (r"^office key '(.*)' must be", "รหัสสำนักงาน '{0}' ใช้ได้เฉพาะตัวอักษรภาษาอังกฤษตัวเล็ก ตัวเลข และ - (ไม่เกิน 40 ตัว)"),
    (r"^'(.*)' is not a host name", "'{0}' ไม่ใช่ชื่อโฮสต์ (ไม่ต้องมี https:// พอร์ต หรือ path เช่น www.example.go.th)"),
    (r"^'(\w+)' must be true or false$", "{field} ต้องเป็น true หรือ false"),
    (r"^unknown categories (.*) for unit '(.*)'", "ไม่มีหมวด {0} (กลุ่มงาน '{1}') ในหมวดของสำนักงานนี้ "
                                                  "ใส่รหัสหมวดในเครื่องหมายคำพูด เช่น \"1.10\""),
    (r"^'categories' must be a list of \{code",
     "ส่วน categories ต้องเป็นลิสต์ของหมวด (code, name, short) หรือไม่ต้องใส่ เพื่อใช้ 18 หมวดตามประกาศ"),
    (r"^'categories' must be a list", "หมวดที่ส่งข้อมูลต้องเป็นเลขข้อ เช่น 1.3 1.9"),
    (r"^at most (\d+) categories", "ใส่หมวดได้ไม่เกิน {0} หมวด (ปุ่มเลือกหมวดใน LINE แสดงได้เท่านี้)"),
    (r"^each category must be a mapping", "แต่ละหมวดต้องมี code, name และ short"),
    (r"^write the category code in quotes, like \"1\.10\" \(got (.*)\)$",
     "ใส่รหัสหมวดในเครื่องหมายคำพูด เช่น \"1.10\" (ที่เขียนไว้อ่านได้เป็น {0})"),
    (r"^category code '(.*)' must be 1-8",
     "รหัสหมวด '{0}' ต้องยาว 1–8 ตัว ใช้ได้เฉพาะอักษรภาษาอังกฤษ ตัวเลข . และ - (ใส่ในเครื่องหมายคำพูด เช่น \"1.10\")"),
    (r"^duplicate category code '(.*)' \(first at line (\d+)\)", "รหัสหมวด '{0}' ซ้ำ (มีแล้วที่บรรทัด {1})"),
    (r"^'short' of category '(.*)' is longer than (\d+)",
     "ชื่อย่อของหมวด '{0}' ยาวเกิน {1} ตัวอักษร (ใช้เป็นข้อความบนปุ่ม)"),
    (r"^at least one category must be active", "ต้องเปิดให้เลือกอย่างน้อยหนึ่งหมวด"),
    (r"category '(.*)', but (\d+) item\(s\) of this office are in it",
     "หมวด '{0}' ยังมีเรื่องของสำนักงานนี้อยู่ {1} เรื่อง จึงเอาออกไม่ได้ ให้คงไว้และใส่ active: false "
     "เพื่อไม่ให้เลือกสำหรับเรื่องใหม่"),
    (r"^'logo' must be a PNG or JPEG file, not '(.*)'$", "ตราสำนักงานต้องเป็นไฟล์ PNG หรือ JPEG (ไม่ใช่ '{0}')"),
    (r"^logo file '(.*)' not found", "ไม่พบไฟล์ตราสำนักงาน '{0}' (ระบุตำแหน่งเทียบกับไฟล์โครงสร้าง)"),
    (r"^a holidays file can be named only in a file loaded with",
     "ในหน้านี้ใส่ชื่อไฟล์วันหยุดไม่ได้ ให้พิมพ์วันที่เป็นลิสต์แทน เช่น holidays: [2027-01-16]"),
    (r"^holidays file '(.*)' not found", "ไม่พบไฟล์วันหยุด '{0}' (ระบุตำแหน่งเทียบกับไฟล์โครงสร้าง)"),
    (r"^'holidays' must be a list", "ส่วน holidays ต้องเป็นลิสต์ของวันที่ (เช่น 2027-01-16) หรือชื่อไฟล์วันหยุด"),
    (r"^holidays: holiday (\d+) is empty", "วันหยุดข้อ {0} ว่างอยู่"),
    (r"^holidays: (.*): expected a date like 2026-12-05, got (.*)$",
     "วันหยุด ({0}) ต้องเป็นวันที่ ค.ศ. แบบ 2026-12-05 แต่เขียนไว้ว่า {1}"),
    (r"^holidays: (.*): (\S+) has a B\.E\. year; write it in C\.E\. \((.*)\)$",
     "วันหยุด ({0}): {1} เป็นปี พ.ศ. ให้เขียนเป็น ค.ศ. ({2})"),
    (r"^holidays: (.*): (\S+) is not a real date$", "วันหยุด ({0}): {1} ไม่ใช่วันที่ที่มีจริง"),
    (r"^holidays: (.*)", "วันหยุดเขียนไม่ถูกต้อง ({0})"),
    (r"^'portal' must be a mapping", "ส่วน portal ต้องมี hosts"),
    (r"^'portal: hosts' must be a list", "portal: hosts ต้องเป็นลิสต์ของชื่อโฮสต์"),
    (r"^'ita' must be a mapping", "ส่วน ita ต้องมี lists"),
    (r"^'ita: lists' must map", "ita: lists ต้องจับคู่ปีงบประมาณ (เช่น 2570) กับชื่อชุดข้อ OIT หรือไฟล์"),
    (r"^'ita: lists' entry (.*): a Buddhist Era year", "ita: lists ข้อ {0}: ต้องเป็นปี พ.ศ. คู่กับชื่อชุดข้อ OIT หรือไฟล์"),
    (r"^'roles' must be a list", "หน้าที่ (roles) ต้องเป็นลิสต์"),
    (r"^'chains' must be a mapping", "ส่วน chains ต้องจับคู่ประเภทเรื่องกับลำดับผู้พิจารณา"),
    (r"^'website' must be a mapping", "ส่วน website ต้องมี kind, url และ user"),
    (r"^website kind must be one of: (.*)$", "ชนิดเว็บไซต์ (kind) ต้องเป็น {0}"),
    (r"^website url must be", "url ของเว็บไซต์ต้องเป็นที่อยู่เว็บ เช่น https://www.example.go.th"),
    (r"^website user is required", "ต้องระบุ user ของเว็บไซต์ (ผู้ใช้ WordPress ที่เป็นเจ้าของรหัสผ่าน)"),
    (r"^website categories must map", "website: categories ต้องจับคู่รหัสหมวดกับ slug หมวดของเว็บไซต์"),
    (r"^write category codes in quotes, like '1\.10' \(got (.*)\)$",
     "ใส่รหัสหมวดในเครื่องหมายคำพูด เช่น '1.10' (ที่เขียนไว้อ่านได้เป็น {0})"),
    (r"^unknown category code '(.*)': not one of", "ไม่มีหมวด '{0}' ในหมวดของสำนักงานนี้"),
    (r"^category '(.*)' needs the site's category slug", "หมวด '{0}' ต้องระบุ slug หมวดของเว็บไซต์"),
    (r"^website create_missing_categories must be", "create_missing_categories ต้องเป็น true หรือ false"),
    (r"^website on_retract must be", "on_retract ต้องเป็น draft หรือ trash"),
    (r"^duplicate person key '(.*)' \(first at line (\d+)\)", "รหัสบุคลากร '{0}' ซ้ำ (มีแล้วที่บรรทัด {1})"),
    (r"^duplicate unit key '(.*)' \(first at line (\d+)\)", "รหัสกลุ่มงาน '{0}' ซ้ำ (มีแล้วที่บรรทัด {1})"),
    (r"^role 'unit_director' is implied", "ไม่ต้องใส่หน้าที่ unit_director: ผู้อำนวยการกลุ่มกำหนดที่กลุ่มงาน"),
    (r"^unknown role '(.*)' \(roles: (.*)\)", "ไม่มีหน้าที่ '{0}' (ใช้ได้: {1})"),
    (r"^director '(.*)' of unit '(.*)' is not a person in the file$",
     "ผู้อำนวยการกลุ่ม '{0}' ของกลุ่มงาน '{1}' ไม่อยู่ในรายชื่อบุคลากรที่ใช้งานอยู่"),
    (r"^unknown unit '(.*)' for person '(.*)'$", "ไม่มีกลุ่มงาน '{0}' (ของบุคลากร '{1}') หรือกลุ่มงานนี้ยังมีบุคลากรอยู่"),
    (r"^'website' must be an address", "เว็บไซต์ต้องขึ้นต้นด้วย https:// หรือ http://"),
    (r"^office director '(.*)' is not a person in the file$",
     "ผู้อำนวยการสำนักงาน '{0}' ไม่อยู่ในรายชื่อบุคลากรที่ใช้งานอยู่"),
    (r"^unknown chain '(.*)'", "ไม่มีลำดับการอนุมัติชื่อ '{0}'"),
    (r"^chain '(.*)' must list roles", "ลำดับการอนุมัติ '{0}' ใช้ได้เฉพาะผู้อำนวยการกลุ่มและผู้อำนวยการสำนักงาน"),
    (r"^publish_mode must be", "การเผยแพร่ต้องเป็น portal หรือ ict"),
    (r"^digits must be", "ตัวเลขต้องเป็น thai (๐-๙) หรือ arabic (0-9)"),
    (r"^host '(.*)' already belongs to office '(.*)'$", "ชื่อโฮสต์ '{0}' เป็นของสำนักงาน '{1}' อยู่แล้ว"),
    (r"^never write the website password", "ห้ามเขียนรหัสผ่านเว็บไซต์ในไฟล์ ตั้งด้วยคำสั่ง flask --app webhook website password"),
    (r"^YAML error: (.*)", "ไฟล์ YAML เขียนไม่ถูกรูปแบบ ({0})"),
    (r"^the file must be a mapping", "ไฟล์ต้องมีส่วน office, units และ people"),
    (r"^'office' must be a mapping", "ส่วน office ต้องมี name, short_name และ director"),
    (r"^'units' and 'people' must be lists", "ส่วน units และ people ต้องเป็นลิสต์ (list)"),
    (r"^each (person|unit) must be a mapping", "แต่ละกลุ่มและแต่ละคนใน units และ people ต้องมีรหัสและชื่อ"),
)]


def thai(message: str) -> str:
    """`line 12: director 'x' of unit 'y' …` → `บรรทัด 12: ผู้อำนวยการกลุ่ม 'x' …`."""
    prefix, reason = "", message
    if match := LINE.match(message):
        prefix, reason = f"บรรทัด {match.group(1)}: ", message[match.end():]
    for pattern, template in _THAI:
        if found := pattern.search(reason):
            groups = found.groups()
            field = FIELDS.get(groups[0], groups[0]) if groups else ""
            return prefix + template.format(*groups, field=field)
    return prefix + reason
