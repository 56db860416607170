// Progressive enhancement: photos larger than the server keeps (data-downscale, longest side in
// pixels) are shrunk in the browser before upload, so a 12–50 MP phone photo travels as a few
// hundred KB. Without JavaScript, or when the browser lacks a piece, the original file is sent
// and the server shrinks it itself.
(function () {
  "use strict";
  if (!window.createImageBitmap || !window.DataTransfer || !HTMLCanvasElement.prototype.toBlob) { return; }
  var TYPES = ["image/jpeg", "image/png", "image/webp"];

  function shrink(file, maxSide) {
    if (TYPES.indexOf(file.type) < 0) { return Promise.resolve(file); }
    return createImageBitmap(file).then(function (bmp) {
      var w = bmp.width, h = bmp.height, side = Math.max(w, h);
      if (side <= maxSide) { bmp.close(); return file; }
      var scale = maxSide / side;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";  // a transparent PNG becomes a JPEG on white
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(bmp, 0, 0, canvas.width, canvas.height);
      bmp.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified }));
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });  // anything odd: send the original
  }

  document.querySelectorAll("input[type=file][data-downscale]").forEach(function (input) {
    var maxSide = parseInt(input.getAttribute("data-downscale"), 10) || 2048;
    var form = input.form;
    var pending = null;
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      if (!files.length) { return; }
      input.setAttribute("aria-busy", "true");
      pending = Promise.all(files.map(function (f) { return shrink(f, maxSide); })).then(function (out) {
        if (out.some(function (f, i) { return f !== files[i]; })) {
          var dt = new DataTransfer();
          out.forEach(function (f) { dt.items.add(f); });
          input.files = dt.files;
        }
      }).catch(function () {}).then(function () {
        input.removeAttribute("aria-busy");
        pending = null;
      });
    });
    if (form) {
      form.addEventListener("submit", function (ev) {
        if (!pending) { return; }
        ev.preventDefault();  // wait for the photos being shrunk, then send (by the same button)
        var by = ev.submitter;
        pending.then(function () { if (form.requestSubmit) { form.requestSubmit(by || undefined); } else { form.submit(); } });
      });
    }
  });
})();
