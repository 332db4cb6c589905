"""The partner API's signature in the OpenAPI schema (drf-spectacular), loaded by PartnersConfig.ready."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class PartnerSignatureScheme(OpenApiAuthenticationExtension):
    target_class = "partners.authentication.PartnerSignatureAuthentication"
    name = "partnerSignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Qihu-Signature",
            "description": "HMAC-SHA256 over method, path, X-Qihu-Timestamp and the body's SHA-256, with X-Qihu-Key "
            "(docs/integrations.md).",
        }
