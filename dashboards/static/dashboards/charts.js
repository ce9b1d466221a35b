// Draw every figure whose JSON the page embeds (no inline scripts, for the CSP).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-figure]").forEach(function (element) {
    var figure = JSON.parse(document.getElementById(element.dataset.figure).textContent);
    Plotly.newPlot(element, figure.data, figure.layout, {
      responsive: true,
      displaylogo: false,
    });
  });
});
