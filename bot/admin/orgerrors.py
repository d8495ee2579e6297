"""The org file's reasons in Thai, for the console. The rules stay in bot.office.orgfile (its
messages are for the command line); this only words them for an admin reading a web page. A
reason not listed here is shown as the org file gave it."""

from __future__ import annotations

import re

FIELDS = {"name": "ชื่อ", "short_name": "ชื่อย่อ", "director": "ผู้อำนวยการ", "key": "รหัส",
          "position": "ตำแหน่ง", "website": "เว็บไซต์", "phone": "โทรศัพท์"}
LINE = re.compile(r"^line (\d+): ")

_THAI: list[tuple[re.Pattern, str]] = [(re.compile(p), t) for p, t in (
    (r"^'(\w+)' is required$", "ต้องกรอก{field}"),
    (r"^'(\w+)' must be text$", "{field} ต้องเป็นข้อความ"),
    (r"^office key '(.*)' must be", "รหัสสำนักงาน '{0}' ใช้ได้เฉพาะตัวอักษรภาษาอังกฤษตัวเล็ก ตัวเลข และ - (ไม่เกิน 40 ตัว)"),
    (r"^'(.*)' is not a host name", "'{0}' ไม่ใช่ชื่อโฮสต์ (ไม่ต้องมี https:// พอร์ต หรือ path เช่น www.example.go.th)"),
    (r"^unknown categories (.*) for unit '(.*)'", "ไม่มีหมวด {0} (กลุ่มงาน '{1}') หมวดต้องเป็นเลขข้อ เช่น 1.9"),
    (r"^'categories' must be a list", "หมวดที่ส่งข้อมูลต้องเป็นเลขข้อ เช่น 1.3 1.9"),
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
