// Renders the spec embedded in assets/openapi.js with Swagger UI. Nothing is fetched: the page
// works from file:// and from any static host, with no network.
window.ui = SwaggerUIBundle({
  spec: window.EXPORT_CONTRACT_SPEC,
  dom_id: "#swagger-ui",
  deepLinking: true,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  displayOperationId: true,
  // No "Try it out" from static docs, and no call to the public validator service.
  supportedSubmitMethods: [],
  validatorUrl: null,
});
