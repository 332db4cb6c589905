from django.db import models


class Ticket(models.Model):
    """The columns a queue row shows, flat (no foreign keys): copied from qihu's tickets_ticket."""

    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20)
    request_type = models.CharField(max_length=12)
    priority = models.CharField(max_length=10)
    difficulty = models.CharField(max_length=10)
    level = models.CharField(max_length=10)
    supervision_level = models.CharField(max_length=12)
    company_id = models.BigIntegerField()
    category_id = models.BigIntegerField(null=True)
    chain_id = models.BigIntegerField(null=True)
    district_id = models.BigIntegerField(null=True)
    lead_department_id = models.BigIntegerField(null=True)
    accept_deadline = models.DateTimeField(null=True)
    handle_deadline = models.DateTimeField(null=True)
    evaluate_deadline = models.DateTimeField(null=True)
    due_at = models.DateTimeField(null=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()

    class Meta:
        app_label = "reference"

    def __str__(self) -> str:
        return self.title
