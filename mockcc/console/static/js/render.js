// Rendering LivePerson messaging content: text, files, structured content (cards, carousels,
// quick replies). Images from other hosts are never fetched (the console loads nothing from the
// internet); they are shown as a labelled placeholder with their URL.
import { h } from "./util.js";

function actionText(click) {
  const actions = (click && click.actions) || [];
  return actions.map((a) => {
    if (a.type === "link") return `link → ${a.uri}`;
    if (a.type === "publishText") return `publishes “${a.text}”`;
    if (a.type === "navigate") return `navigate → ${a.lat},${a.lo}`;
    return a.type;
  }).join("; ");
}

function image(url, tooltip) {
  if (typeof url === "string" && url.startsWith("data:image/")) return h("img", { class: "sc-img", src: url, alt: tooltip || "image" });
  return h("div", { class: "sc-img placeholder", title: url || "" },
    h("span", { class: "icon", text: "IMAGE" }), h("span", { text: tooltip || "image" }), h("small", { text: url || "" }));
}

/** One structured-content element, recursively. */
export function structured(el) {
  if (!el || typeof el !== "object") return h("span", { text: String(el) });
  const children = Array.isArray(el.elements) ? el.elements : [];
  switch (el.type) {
    case "vertical":
      return h("div", { class: "sc-vertical" }, children.map(structured));
    case "horizontal":
      return h("div", { class: "sc-horizontal" }, children.map(structured));
    case "carousel":
      return h("div", { class: "sc-carousel", title: "carousel" }, children.map((c) => h("div", { class: "sc-card" }, structured(c))));
    case "text": {
      const style = el.style || {};
      const cls = ["sc-text", style.bold && "bold", style.italic && "italic", style.size && `size-${style.size}`].filter(Boolean).join(" ");
      return h("div", { class: cls, title: el.tooltip || null, text: el.text || "" });
    }
    case "image":
      return image(el.url, el.tooltip || el.caption);
    case "button":
      return h("button", { class: "sc-button", type: "button", title: actionText(el.click), disabled: true, text: el.title || "button" });
    case "link":
      return h("span", { class: "sc-link", title: el.url || "", text: el.title || el.url || "link" });
    case "map":
      return h("div", { class: "sc-map", text: `map ${el.la ?? el.lat ?? "?"}, ${el.lo ?? "?"}` });
    case "quickReplies":
      return quickReplies(el);
    default:
      return h("pre", { class: "sc-unknown", text: JSON.stringify(el, null, 2) });
  }
}

export function quickReplies(qr) {
  const replies = (qr && Array.isArray(qr.replies)) ? qr.replies : [];
  return h("div", { class: "quick-replies", title: "quick replies" },
    replies.map((r) => h("span", { class: "chip", title: actionText(r.click), text: r.title || "?" })));
}

function file(message) {
  const m = message || {};
  const preview = typeof m.preview === "string" && m.preview.startsWith("data:image/") ? m.preview :
    (typeof m.preview === "string" && m.preview.length > 0 ? `data:image/${(m.fileType || "png").toLowerCase()};base64,${m.preview}` : null);
  return h("div", { class: "file" },
    preview ? h("img", { class: "thumb", src: preview, alt: m.caption || "file preview" }) : h("span", { class: "icon", text: "FILE" }),
    h("div", {},
      h("div", { text: m.caption || "(no caption)" }),
      h("small", { text: `${m.fileType || "file"} · ${m.relativePath || ""}` })));
}

/** The body of one ContentEvent or RichContentEvent. */
export function content(event) {
  if (event.type === "RichContentEvent") return h("div", { class: "rich" }, structured(event.content));
  const parts = [];
  if (event.contentType === "hosted/file") parts.push(file(event.message));
  else if (event.contentType === "forms/secure-invitation" || typeof event.message !== "string") {
    parts.push(h("pre", { class: "sc-unknown", text: JSON.stringify(event.message, null, 2) }));
  } else parts.push(h("div", { class: "text", text: event.message }));
  if (event.quickReplies) parts.push(quickReplies(event.quickReplies));
  return parts;
}
