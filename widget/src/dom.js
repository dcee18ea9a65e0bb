// Building the widget's nodes. What the API sends goes in as text (textContent), never as markup, so a
// reward's name or a campaign's label can never run script in the shop's page.

// el("button", { class: "primary", type: "button", on: { click } }, "Redeem")
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (name === "on") {
      for (const [type, listener] of Object.entries(value)) node.addEventListener(type, listener);
    } else if (value === true) {
      node.setAttribute(name, "");
    } else if (value !== false && value !== null && value !== undefined) {
      node.setAttribute(name, String(value));
    }
  }
  fill(node, children);
  return node;
}

export function fill(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "object" ? child : String(child));
  }
  return node;
}

export function swap(node, ...children) {
  node.replaceChildren();
  return fill(node, children);
}

// The clipboard needs a secure context and the page's focus; where it refuses, the code is selected so
// the shopper can copy it with the keyboard. Resolves to whether the text is on the clipboard.
export async function copy(text, shown) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const selection = shown?.getRootNode()?.getSelection?.() ?? window.getSelection();
    selection?.selectAllChildren(shown);
    return false;
  }
}

// A client id for one intent (a redemption): 128 random bits, within the API's [A-Za-z0-9_.:-]{1,128}.
export function clientId(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return prefix + Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
