// API keys: issue (the key is shown once, here, and never stored by the console) and revoke. The API
// has no list of keys, so the page lists the ids and labels of the keys this tab issued.
import { del, enc, post } from "../api.js";
import {
  announce,
  busy,
  button,
  confirmed,
  field,
  forget,
  h,
  okBox,
  pageTitle,
  remember,
  remembered,
  replace,
  section,
  sending,
  shownOnce,
  table,
} from "../ui.js";

const ISSUED = "loyalty.console.issued_keys";

export async function render(main) {
  const shown = h("div", { "aria-live": "polite" });
  const issue = h(
    "form",
    { class: "inline", method: "post", "aria-label": "Issue a key" },
    field("Scope", "scope", {
      type: "select",
      value: "storefront",
      options: [
        ["storefront", "storefront (every route outside /v1/admin/)"],
        ["admin", "admin (every route)"],
      ],
    }),
    field("Label", "label", {
      required: true,
      hint: "Who or what uses it, e.g. POS store 12.",
      attrs: { maxlength: "100" },
    }),
    h("button", { type: "submit" }, "Issue key"),
  );
  const listBox = h("div", {});
  const revokeResult = h("div", { "aria-live": "polite" });
  const revoke = h(
    "form",
    { class: "inline", method: "post", "aria-label": "Revoke a key" },
    field("Key id", "key_id", { required: true, hint: "The key_id shown when the key was issued." }),
    h("button", { type: "submit", class: "danger" }, "Revoke key"),
  );

  async function revokeKey(keyId) {
    const question = `Revoke key ${keyId}? Every caller using it is refused from now on.`;
    await confirmed(question, revokeResult, "Not revoked", async () => {
      await del(`/v1/admin/keys/${enc(keyId)}`);
      forget(ISSUED, keyId, "key_id");
      replace(revokeResult, okBox(`Key ${keyId} revoked.`));
      announce("Key revoked");
      drawList();
    });
  }

  function drawList() {
    replace(
      listBox,
      table(
        "Keys issued in this tab (ids and labels only)",
        [
          { label: "Key id", value: (row) => row.key_id },
          { label: "Scope", value: (row) => row.scope },
          { label: "Label", value: (row) => row.label },
          {
            label: "Action",
            value: (row) =>
              button("Revoke", () => revokeKey(row.key_id), { kind: "danger", "aria-label": `Revoke ${row.label}` }),
          },
        ],
        remembered(ISSUED),
        "No keys issued in this tab.",
      ),
    );
  }

  issue.addEventListener("submit", async (event) => {
    event.preventDefault();
    await sending(issue, shown, "Not issued", async () => {
      const created = await post("/v1/admin/keys", {
        scope: issue.elements.scope.value,
        label: issue.elements.label.value,
      });
      remember(ISSUED, { key_id: created.key_id, scope: created.scope, label: created.label }, "key_id");
      issue.reset();
      const issued = `Key ${created.key_id} (${created.scope}, ${created.label}) issued. Copy it now: it is not shown again.`;
      replace(shown, shownOnce(issued, created.key, { id: "new-key", copy: "key" }));
      announce("Key issued; copy it now");
      drawList();
    });
  });
  revoke.addEventListener("submit", async (event) => {
    event.preventDefault();
    const keyId = revoke.elements.key_id.value.trim();
    if (keyId) await busy(revoke, () => revokeKey(keyId));
  });
  main.append(
    pageTitle("API keys"),
    section("Issue a key", issue, shown),
    section("Revoke a key", revoke, revokeResult, listBox),
  );
  drawList();
}
