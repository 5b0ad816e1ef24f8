// Starts Swagger UI on the service's own OpenAPI document (same origin, no network beyond it).
window.addEventListener("load", function () {
  var target = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: new URL(target.dataset.spec, window.location.href).href,
    dom_id: "#swagger-ui",
    deepLinking: true,
    docExpansion: "list",
    filter: true,
  });
});
