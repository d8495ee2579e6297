// Draws LINE messages (text, image, sticker, template, Flex bubble and carousel) as HTML.
// `act(action)` is called when the person taps something that carries a LINE action.
"use strict";
(function () {
  const SIZES = { xxs: 11, xs: 12, sm: 13, md: 15, lg: 17, xl: 19, xxl: 22, "3xl": 26, "4xl": 30, "5xl": 36 };
  const GAPS = { none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20 };

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function px(value, table) {
    if (value === undefined) return undefined;
    if (table && value in table) return table[value] + "px";
    return /^\d+(\.\d+)?(px|%)$/.test(value) ? value : undefined;
  }
  function linkify(node, text) {
    const parts = String(text).split(/(https?:\/\/[^\s]+)/);
    parts.forEach((part, i) => {
      if (i % 2) { const a = el("a", "", part); a.href = part; a.target = "_blank"; a.rel = "noopener"; node.append(a); }
      else if (part) node.append(document.createTextNode(part));
    });
    return node;
  }
  function actionable(node, action, act) {
    if (!action) return node;
    node.classList.add("tappable");
    node.tabIndex = 0;
    node.setAttribute("role", "button");
    if (action.label) node.setAttribute("aria-label", action.label);
    node.addEventListener("click", (e) => { e.stopPropagation(); act(action); });
    node.addEventListener("keydown", (e) => { if (e.key === "Enter") act(action); });
    return node;
  }

  function component(c, act, parentLayout) {
    let node;
    switch (c.type) {
      case "box": node = box(c, act); break;
      case "text": {
        node = el("p", "fx-text");
        if (c.contents && c.contents.length) {
          c.contents.forEach((s) => {
            const span = el("span", "", s.text || "");
            if (s.weight === "bold") span.style.fontWeight = "bold";
            if (s.color) span.style.color = s.color;
            if (s.size) span.style.fontSize = px(s.size, SIZES) || "";
            node.append(span);
          });
        } else linkify(node, c.text || "");
        if (c.size) node.style.fontSize = px(c.size, SIZES) || "";
        if (c.weight === "bold") node.style.fontWeight = "bold";
        if (c.color) node.style.color = c.color;
        if (c.align) node.style.textAlign = c.align === "end" ? "right" : c.align === "center" ? "center" : "left";
        if (!c.wrap) node.classList.add("nowrap");
        if (c.decoration === "line-through") node.style.textDecoration = "line-through";
        actionable(node, c.action, act);
        break;
      }
      case "button": {
        node = el("button", "fx-button " + (c.style || "link"), (c.action && c.action.label) || "");
        node.type = "button";
        if (c.color) { if (c.style === "link" || !c.style) node.style.color = c.color; else node.style.background = c.color; }
        if (c.height === "sm") node.classList.add("sm");
        if (c.action) node.addEventListener("click", () => act(c.action));
        break;
      }
      case "image": {
        node = el("div", "fx-image");
        const img = el("img");
        img.src = c.url; img.alt = c.altText || (c.action && c.action.label) || "รูปภาพ"; img.loading = "lazy";
        if (c.aspectRatio) { const [w, h] = c.aspectRatio.split(":").map(Number); if (w && h) img.style.aspectRatio = w + " / " + h; }
        if (c.aspectMode === "cover") img.style.objectFit = "cover";
        if (c.size === "full") node.classList.add("full");
        node.append(img);
        actionable(node, c.action, act);
        break;
      }
      case "icon": node = el("img", "fx-icon"); node.src = c.url; node.alt = ""; break;
      case "separator": node = el("hr", "fx-sep"); if (c.color) node.style.borderColor = c.color; break;
      case "filler": node = el("div", "fx-filler"); break;
      case "span": node = el("span", "", c.text || ""); break;
      default: node = el("div", "fx-unknown", "[" + c.type + "]");
    }
    if (c.flex !== undefined) node.style.flex = c.flex + " " + (c.flex ? 1 : 0) + " 0";
    else if (parentLayout === "horizontal" || parentLayout === "baseline") node.style.flex = "1 1 0";
    if (c.margin) node.style.marginTop = parentLayout === "vertical" ? px(c.margin, GAPS) || "" : "";
    if (c.margin && parentLayout !== "vertical") node.style.marginLeft = px(c.margin, GAPS) || "";
    if (c.gravity === "center") node.style.alignSelf = "center";
    return node;
  }

  function box(b, act) {
    const node = el("div", "fx-box " + (b.layout || "vertical"));
    const gap = px(b.spacing, GAPS);
    if (gap) node.style.gap = gap;
    if (b.backgroundColor) node.style.background = b.backgroundColor;
    const pad = px(b.paddingAll, GAPS);
    if (pad) node.style.padding = pad;
    if (b.cornerRadius) node.style.borderRadius = px(b.cornerRadius, GAPS) || "";
    if (b.borderWidth && b.borderColor) node.style.border = "1px solid " + b.borderColor;
    (b.contents || []).forEach((c) => node.append(component(c, act, b.layout || "vertical")));
    return actionable(node, b.action, act);
  }

  function bubble(b, act) {
    const node = el("div", "fx-bubble " + (b.size || "mega"));
    ["header", "hero", "body", "footer"].forEach((part) => {
      if (!b[part]) return;
      const block = el("div", "fx-" + part);
      const style = (b.styles || {})[part] || {};
      if (style.backgroundColor) block.style.background = style.backgroundColor;
      if (style.separator) block.classList.add("separated");
      block.append(component(b[part], act, "vertical"));
      node.append(block);
    });
    return actionable(node, b.action, act);
  }

  function flex(contents, act) {
    if (contents.type === "carousel") {
      const row = el("div", "fx-carousel");
      contents.contents.forEach((b) => row.append(bubble(b, act)));
      return row;
    }
    return bubble(contents, act);
  }

  function template(t, act, alt) {
    const node = el("div", "fx-bubble template");
    const body = el("div", "fx-body");
    if (t.thumbnailImageUrl) { const img = el("img"); img.src = t.thumbnailImageUrl; img.alt = ""; node.append(img); }
    if (t.title) body.append(el("p", "fx-text bold", t.title));
    body.append(el("p", "fx-text", t.text || alt));
    node.append(body);
    const foot = el("div", "fx-footer");
    (t.actions || []).forEach((a) => {
      const b = el("button", "fx-button link", a.label || ""); b.type = "button";
      b.addEventListener("click", () => act(a)); foot.append(b);
    });
    node.append(foot);
    return node;
  }

  // One LINE message object → a DOM node.
  window.renderLineMessage = function (m, act) {
    switch (m.type) {
      case "text": case "textV2": return linkify(el("div", "bubble-text"), m.text || "");
      case "image": {
        const img = el("img", "photo"); img.src = m.src || m.previewImageUrl || m.originalContentUrl;
        img.alt = "รูปภาพ"; img.loading = "lazy"; return img;
      }
      case "sticker": return el("div", "sticker", "สติกเกอร์ (" + m.packageId + "/" + m.stickerId + ")");
      case "file": return el("div", "bubble-text file", "📄 " + m.fileName);
      case "flex": { const n = flex(m.contents, act); n.setAttribute("role", "group"); n.setAttribute("aria-label", m.altText || "การ์ด"); return n; }
      case "template": return template(m.template, act, m.altText);
      default: return el("div", "bubble-text", m.altText || "[" + m.type + "]");
    }
  };
})();
