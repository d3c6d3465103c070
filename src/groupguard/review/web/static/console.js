// groupguard review console: per-item reveal, keyboard decisions. No dependencies.
(function () {
  "use strict";
  var main = document.getElementById("main");
  var csrf = main ? main.getAttribute("data-csrf") : "";

  // Blur strength from the reviewer's settings (CSP forbids inline style attributes).
  document.querySelectorAll(".frame[data-blur]").forEach(function (f) {
    f.style.setProperty("--blur", f.getAttribute("data-blur") + "px");
  });

  function reblur(fig) {
    var frame = fig.querySelector(".frame");
    var btn = fig.querySelector("button.reveal");
    if (!frame || frame.classList.contains("blurred")) return;
    frame.classList.add("blurred");
    fig.querySelectorAll("video").forEach(function (v) { v.pause(); });
    if (btn) {
      btn.setAttribute("aria-pressed", "false");
      btn.textContent = btn.textContent.replace(/^Blur/, "Reveal");
    }
  }

  function loadDeferred(fig) {
    fig.querySelectorAll("img[data-src]").forEach(function (img) {
      img.src = img.getAttribute("data-src");
      img.removeAttribute("data-src");
    });
  }

  function reveal(fig) {
    var frame = fig.querySelector(".frame");
    var btn = fig.querySelector("button.reveal");
    if (!frame) return;
    if (!frame.classList.contains("blurred")) { reblur(fig); return; }
    var url = "/console/cases/" + fig.getAttribute("data-case") + "/media/" +
      fig.getAttribute("data-sha") + "/reveal";
    fetch(url, {method: "POST", headers: {"X-CSRF-Token": csrf}, credentials: "same-origin"})
      .then(function (r) { if (!r.ok) throw new Error("reveal refused: " + r.status); return r.json(); })
      .then(function (info) {
        loadDeferred(fig);
        frame.classList.remove("blurred");
        if (btn) {
          btn.setAttribute("aria-pressed", "true");
          btn.textContent = btn.textContent.replace(/^Reveal/, "Blur");
        }
        var slot = fig.querySelector(".video-slot");
        if (slot && !slot.querySelector("video")) {
          // Muted, never autoplaying, nothing loaded until the reviewer presses play.
          var v = document.createElement("video");
          v.controls = true; v.muted = true; v.autoplay = false; v.preload = "none";
          v.setAttribute("muted", ""); v.src = slot.getAttribute("data-src");
          v.setAttribute("aria-label", "Video, muted");
          slot.appendChild(v);
        }
        var count = document.getElementById("exposure-count");
        if (count && info.exposure_today !== null && info.exposure_today !== undefined) {
          count.textContent = info.exposure_today;
          if (info.over_limit) document.getElementById("exposure").classList.add("over");
        }
      })
      .catch(function (e) { if (btn) btn.textContent = "Could not reveal (" + e.message + ")"; });
  }

  document.querySelectorAll("figure.media").forEach(function (fig) {
    var btn = fig.querySelector("button.reveal");
    if (btn) btn.addEventListener("click", function () { reveal(fig); });
    // Leaving the item blurs it again: pointer out, or keyboard focus moving elsewhere.
    fig.addEventListener("mouseleave", function () { reblur(fig); });
    fig.addEventListener("focusout", function (ev) {
      if (!fig.contains(ev.relatedTarget)) reblur(fig);
    });
  });

  // One key per decision: buttons carry data-key. Ignored while typing in a field.
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var t = ev.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" ||
              t.isContentEditable)) return;
    if (ev.key === "v") {
      var fig = t && t.closest ? t.closest("figure.media") : null;
      if (!fig) fig = document.querySelector("figure.media");
      if (fig) { ev.preventDefault(); var b = fig.querySelector("button.reveal"); if (b) b.focus(); reveal(fig); }
      return;
    }
    var target = document.querySelector('[data-key="' + ev.key + '"]');
    if (target) { ev.preventDefault(); target.click(); }
  });
})();
