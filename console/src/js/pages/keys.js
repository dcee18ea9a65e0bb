// API keys: issue (the key is shown once, here, and never stored by the console) and revoke. The API
// has no list of keys, so the page lists the ids and labels of the keys this tab issued.
import { ApiError, del, enc, post } from "../api.js";
import {
  announce,
  busy,
  clearFieldErrors,
  errorBox,
  field,
  forget,
  h,
  okBox,
  pageTitle,
  remember,
  remembered,
  replace,
  section,
  showFieldErrors,
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
    if (!window.confirm(`Revoke key ${keyId}? Every caller using it is refused from now on.`)) return;
    try {
      await del(`/v1/admin/keys/${enc(keyId)}`);
      forget(ISSUED, keyId, "key_id");
      replace(revokeResult, okBox(`Key ${keyId} revoked.`));
      announce("Key revoked");
      drawList();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      replace(revokeResult, errorBox(error, "Not revoked"));
    }
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
              h(
                "button",
                {
                  type: "button",
                  class: "danger",
                  "aria-label": `Revoke ${row.label}`,
                  onclick: () => revokeKey(row.key_id),
                },
                "Revoke",
              ),
          },
        ],
        remembered(ISSUED),
        "No keys issued in this tab.",
      ),
    );
  }

  issue.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors(issue);
    await busy(issue, async () => {
      try {
        const created = await post("/v1/admin/keys", {
          scope: issue.elements.scope.value,
          label: issue.elements.label.value,
        });
        remember(ISSUED, { key_id: created.key_id, scope: created.scope, label: created.label }, "key_id");
        issue.reset();
        // Shown once: the key is in this element only, and gone when the page changes.
        replace(
          shown,
          h(
            "div",
            { class: "status ok", role: "status" },
            h(
              "p",
              {},
              `Key ${created.key_id} (${created.scope}, ${created.label}) issued. Copy it now: it is not shown again.`,
            ),
            h("code", { class: "secret", id: "new-key" }, created.key),
            h(
              "div",
              { class: "actions" },
              h(
                "button",
                {
                  type: "button",
                  class: "secondary",
                  onclick: async (e) => {
                    try {
                      await navigator.clipboard.writeText(created.key);
                      e.target.textContent = "Copied";
                    } catch {
                      e.target.textContent = "Copy failed: select the key and copy it";
                    }
                  },
                },
                "Copy the key",
              ),
            ),
          ),
        );
        announce("Key issued; copy it now");
        drawList();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.status === 422) showFieldErrors(issue, error);
        else replace(shown, errorBox(error, "Not issued"));
      }
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
