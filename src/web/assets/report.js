// Copy buttons and expanding diagram labels. Used by the report and the live view.
(() => {
  const copy = async (text) => {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      const area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      const ok = document.execCommand("copy");
      area.remove();
      return ok;
    }
  };
  document.addEventListener("click", async (e) => {
    const button = e.target.closest?.(".seq-copy");
    if (button) {
      e.preventDefault();
      const ok = await copy(button.dataset.copy);
      button.textContent = ok ? "copied" : "select and copy";
      button.classList.toggle("copied", ok);
      if (!ok) window.prompt("Replay line:", button.dataset.copy);
      setTimeout(() => {
        button.textContent = "copy replay";
        button.classList.remove("copied");
      }, 1500);
      return;
    }
    const row = e.target.closest?.(".seq-arrow, .seq-note");
    if (row) row.classList.toggle("seq-expanded");
  });
  // A failing diagram opens scrolled to its end, where it failed (the lanes stay on top).
  window.labsToFailure = (root) => {
    for (const d of root.querySelectorAll(".diagram")) {
      if (d.querySelector(".seq-fail-mark")) d.scrollTop = d.scrollHeight;
    }
  };
  document.addEventListener("DOMContentLoaded", () => window.labsToFailure(document));
})();
