// The member card as a QR code: an SVG built node by node (no markup parsed, nothing fetched), dark
// modules drawn as one path of horizontal runs, with the four-module quiet zone scanners need.
import { encode } from "uqr";

const SVG = "http://www.w3.org/2000/svg";

export function qrCode(text, label) {
  const { data, size } = encode(text, { ecc: "M", border: 4 });
  let path = "";
  data.forEach((row, y) => {
    let x = 0;
    while (x < size) {
      if (!row[x]) {
        x += 1;
        continue;
      }
      const start = x;
      while (x < size && row[x]) x += 1;
      path += `M${start} ${y}h${x - start}v1h${start - x}z`;
    }
  });
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("shape-rendering", "crispEdges");
  svg.setAttribute("part", "qr");
  svg.classList.add("qr");
  const title = document.createElementNS(SVG, "title");
  title.textContent = label;
  const light = document.createElementNS(SVG, "rect");
  light.setAttribute("width", String(size));
  light.setAttribute("height", String(size));
  light.setAttribute("class", "qr-light");
  const dark = document.createElementNS(SVG, "path");
  dark.setAttribute("d", path);
  dark.setAttribute("class", "qr-dark");
  svg.append(title, light, dark);
  return svg;
}
