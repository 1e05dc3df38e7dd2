// Small DOM helpers shared by the console's modules.

export const byId = (id) => document.getElementById(id);

/** An element builder; text goes in as text nodes, never as HTML. */
export function el(tag, props, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

/** A table of `rows` (arrays of cell contents) under `headings`, with its caption. */
export function table(caption, headings, rows, props = {}) {
  return el(
    "table",
    props,
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, ...headings.map((text) => el("th", { scope: "col" }, text)))),
    el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((cell) => el("td", {}, cell))))),
  );
}
