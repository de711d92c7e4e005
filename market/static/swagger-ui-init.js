// Starts Swagger UI for /api/docs from the container's data attributes: a script file, not an
// inline one, so the page runs under a Content-Security-Policy without 'unsafe-inline'.
window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui-container");
  var config = { url: container.dataset.specUrl, dom_id: "#swagger-ui-container", validatorUrl: null };
  var overrides = JSON.parse(container.dataset.config || "{}");
  for (var name in overrides) { config[name] = overrides[name]; }
  window.ui = SwaggerUIBundle(config);
});
