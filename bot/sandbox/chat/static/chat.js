// The sandbox chat: pick a persona, talk to the bot, see what the fake LINE delivered.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  let personas = [], current = null, shown = "", menuShown = "";

  async function api(path, options) {
    const response = await fetch("/sandbox/api" + path, options);
    if (!response.ok) throw new Error(path + " → " + response.status);
    return response.json();
  }
  const postJSON = (path, body) => api(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

  // --- the list of personas, with unread counts ---------------------------------------------
  async function loadPersonas() {
    personas = await api("/personas");
    const list = $("personas");
    list.replaceChildren(...personas.map((p) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button"; b.className = "persona" + (current && current.chat_id === p.chat_id ? " current" : "");
      b.dataset.chat = p.chat_id;
      const name = document.createElement("span"); name.className = "name"; name.textContent = p.name;
      const detail = document.createElement("span"); detail.className = "detail"; detail.textContent = p.detail;
      b.append(name, detail);
      if (p.unread && !(current && current.chat_id === p.chat_id)) {
        const badge = document.createElement("span"); badge.className = "unread";
        badge.textContent = p.unread; badge.setAttribute("aria-label", "ยังไม่อ่าน " + p.unread + " ข้อความ");
        b.append(badge);
      }
      b.addEventListener("click", () => open(p.chat_id));
      li.append(b);
      return li;
    }));
    if (!personas.length) list.innerHTML = '<li class="empty">ยังไม่มีใครในสำนักงาน — โหลดสำนักงานตัวอย่างก่อนค่ะ</li>';
  }

  function open(chatId) {
    current = personas.find((p) => p.chat_id === chatId);
    shown = ""; menuShown = "";
    $("chat").hidden = false;
    document.body.classList.add("in-chat");
    $("chat-name").textContent = current.name;
    $("chat-detail").textContent = current.group ? "พูดในนาม " + current.speaker_name : current.detail;
    $("tools").replaceChildren(...current.tools.map(([key, label]) => {
      const b = document.createElement("button"); b.type = "button"; b.textContent = label;
      b.addEventListener("click", async () => { await api("/chat/" + current.chat_id + "/tool/" + key, { method: "POST" }); refresh(); });
      return b;
    }));
    refresh().then(() => $("text").focus());
  }

  // --- what the person does ------------------------------------------------------------------
  async function sendText(text) {
    if (!current || !text) return;
    await postJSON("/chat/" + current.chat_id + "/text", { text });
    refresh();
  }
  async function sendPostback(data, displayText, params) {
    await postJSON("/chat/" + current.chat_id + "/postback", { data, displayText, params });
    refresh();
  }
  function pick(action) {
    const dialog = $("picker"), input = $("picker-input");
    input.type = action.mode === "datetime" ? "datetime-local" : action.mode || "date";
    input.value = action.initial || "";
    if (action.min) input.min = action.min;
    if (action.max) input.max = action.max;
    $("picker-label").textContent = action.label || "เลือกวันที่";
    dialog.returnValue = "";
    dialog.onclose = () => {
      if (dialog.returnValue === "ok" && input.value) sendPostback(action.data, null, { [action.mode || "date"]: input.value });
    };
    dialog.showModal();
  }
  // A LINE action, tapped in a card, a quick reply or the rich menu.
  function act(action) {
    switch (action.type) {
      case "postback": return sendPostback(action.data, action.displayText);
      case "message": return sendText(action.text);
      case "uri": return window.open(action.uri, "_blank", "noopener");
      case "datetimepicker": return pick(action);
      case "camera": case "cameraRoll": return $("file").click();
      case "clipboard": return navigator.clipboard && navigator.clipboard.writeText(action.clipboardText);
      default: return undefined;
    }
  }

  // --- drawing the chat -----------------------------------------------------------------------
  async function refresh() {
    if (!current) return;
    const chat = await api("/chat/" + current.chat_id);
    const key = JSON.stringify(chat.messages);
    if (key !== shown) { shown = key; draw(chat.messages); }
    const menuKey = JSON.stringify(chat.richmenu);
    if (menuKey !== menuShown) { menuShown = menuKey; drawMenu(chat.richmenu); }
  }

  function draw(messages) {
    const list = $("messages");
    list.replaceChildren(...messages.map((entry, i) => {
      const li = document.createElement("div");
      li.className = "msg " + entry.from;
      if (entry.from === "me" && current.group) {
        const who = document.createElement("span"); who.className = "who"; who.textContent = entry.speaker; li.append(who);
      }
      li.append(window.renderLineMessage(entry.message, act));
      return li;
    }));
    list.scrollTop = list.scrollHeight;
    const last = messages[messages.length - 1];
    const items = last && last.from === "bot" && last.message.quickReply ? last.message.quickReply.items : [];
    $("quick").replaceChildren(...items.map((item) => {
      const b = document.createElement("button"); b.type = "button"; b.className = "chip";
      b.textContent = item.action.label || item.action.text || "";
      b.addEventListener("click", () => act(item.action));
      return b;
    }));
  }

  function drawMenu(menu) {
    const box = $("richmenu"), board = $("richmenu-board");
    box.hidden = !menu;
    if (!menu) return;
    $("richmenu-toggle").textContent = menu.chatBarText + " ▾";
    const img = document.createElement("img"); img.src = menu.image; img.alt = "";
    board.replaceChildren(img, ...menu.areas.map((area) => {
      const b = document.createElement("button"); b.type = "button"; b.className = "area";
      const { x, y, width, height } = area.bounds;
      Object.assign(b.style, { left: 100 * x / menu.size.width + "%", top: 100 * y / menu.size.height + "%",
        width: 100 * width / menu.size.width + "%", height: 100 * height / menu.size.height + "%" });
      b.setAttribute("aria-label", area.action.label || "เมนู");
      b.addEventListener("click", () => act(area.action));
      return b;
    }));
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("composer").addEventListener("submit", (e) => {
      e.preventDefault(); const text = $("text").value.trim(); $("text").value = ""; sendText(text);
    });
    $("file").addEventListener("change", async (e) => {
      const files = [...e.target.files]; if (!files.length || !current) return;
      const form = new FormData(); files.forEach((f) => form.append("file", f));
      e.target.value = "";
      await api("/chat/" + current.chat_id + "/files", { method: "POST", body: form });
      refresh();
    });
    $("back").addEventListener("click", () => { document.body.classList.remove("in-chat"); current = null; loadPersonas(); });
    $("richmenu-toggle").addEventListener("click", () => {
      const board = $("richmenu-board"); board.hidden = !board.hidden;
      $("richmenu-toggle").setAttribute("aria-expanded", String(!board.hidden));
    });
    loadPersonas();
    setInterval(() => { loadPersonas().catch(() => {}); refresh().catch(() => {}); }, 800);
  });
})();
