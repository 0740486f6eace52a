from django.db import models
from django.utils import timezone


class TrustedDocument(models.Model):
    """A GraphQL document a client app was built with, loaded from its persisted-documents manifest.

    Clients run it by id (`documentId`) or by the SHA-256 of its text (an automatic persisted query hash);
    with GRAPHQL_TRUSTED_DOCUMENTS_ONLY on, these are the only documents anonymous and non-staff clients may
    run. Documents are validated against the schema when loaded and never edited afterwards.
    """

    document_id = models.CharField(
        max_length=200,
        unique=True,
        help_text="The id clients send: 'sha256:<hex>' for SHA-256 ids, otherwise the manifest's own id.",
    )
    sha256 = models.CharField(max_length=64, db_index=True, help_text="SHA-256 of the body, lowercase hex.")
    body = models.TextField()
    client_name = models.CharField(max_length=100, help_text="The app (manifest) the document came from.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "document_id"]

    def __str__(self) -> str:
        return f"{self.document_id} ({self.client_name})"
