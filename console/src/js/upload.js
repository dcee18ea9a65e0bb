// A file PUT to a presigned S3 URL (an import's, a simulation's) straight from the browser. The console's
// security policy names the uploads bucket's origin (and nothing else of S3), and the bucket's CORS lets
// the console's origin PUT there and do nothing else. XMLHttpRequest rather than fetch: only it reports an
// upload's progress. The bytes go untyped (no Content-Type): the URL signs no header, and the bucket's
// CORS allows none, so a typed file (a .csv's text/csv) would be refused at the preflight.
import { h, replace, shownOnce } from "./ui.js";

let uploads = 0;

function size(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function put(url, file, bar) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", url);
    request.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable) return;
      bar.max = Math.max(event.total, 1);
      bar.value = event.loaded;
    });
    request.addEventListener("load", () => {
      if (request.status >= 200 && request.status < 300) resolve();
      else
        reject(
          new Error(
            `the bucket answered ${request.status}${request.status === 403 ? " (the URL may have expired: start again)" : ""}`,
          ),
        );
    });
    // The browser tells a script nothing more about a network failure or a refused preflight.
    request.addEventListener("error", () => reject(new Error("the file did not reach the bucket")));
    request.addEventListener("abort", () => reject(new Error("the upload was stopped")));
    request.send(file.slice(0, file.size, ""));
  });
}

// Uploads `file` to `url`, its progress and outcome in `status` (a live region, so a screen reader hears
// the start and the end, not every step): a labelled progress bar while it goes, then a status; on failure
// an alert, with the URL so the file can
// still be PUT with any HTTP client. Resolves true once the bucket has the file.
export async function upload(status, url, file, what) {
  const id = `upload-${++uploads}`;
  const bar = h("progress", { id, max: Math.max(file.size, 1), value: 0 });
  replace(status, h("label", { for: id }, `Uploading ${file.name} (${size(file.size)}) for ${what}…`), bar);
  try {
    await put(url, file, bar);
  } catch (error) {
    replace(
      status,
      h("p", { class: "status error", role: "alert" }, `Could not upload ${file.name}: ${error.message}.`),
      shownOnce(
        `The ${what} waits for its file: PUT it to this URL (it expires soon), e.g. with curl -T ${file.name} '<url>':`,
        url,
      ),
    );
    return false;
  }
  replace(
    status,
    h("p", { class: "status ok", role: "status" }, `Uploaded ${file.name} (${size(file.size)}) for ${what}.`),
  );
  return true;
}
