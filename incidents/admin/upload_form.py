"""The form that uploads a file to be ingested, its format told from the file where it can be."""

from __future__ import annotations

import io
from typing import Any, BinaryIO, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from incidents.ingestion.formats import FORMATS
from incidents.ingestion.parsers.detect import Detection, detect_format
from incidents.models import IngestionRun
from incidents.models.ingestion import FORMAT_CHOICES, RECORD_STATUS_CHOICES

DETECT = ""
FORMAT_HELP = [
    (_("Detect from the file"), _("recognised from its first rows where only one format fits.")),
    *((_(declared.label), _(declared.description)) for declared in FORMATS.values()),
]


class _Borrowed(io.RawIOBase):
    """The upload lent to a reader that closes what it reads: closing this leaves the
    upload open, to be stored with the run."""

    def __init__(self, upload: UploadedFile) -> None:
        super().__init__()
        self._upload = upload

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        data = self._upload.read(len(target))
        target[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return int(self._upload.seek(offset, whence) or self._upload.tell())

    def tell(self) -> int:
        return int(self._upload.tell())


def detect_upload_format(upload: UploadedFile, *, sheet: str | None) -> Detection:
    upload.seek(0)
    try:
        return detect_format(cast(BinaryIO, _Borrowed(upload)), sheet=sheet)
    finally:
        upload.seek(0)


class UploadForm(forms.ModelForm):
    """Upload a file and ingest it like a feed would."""

    file = forms.FileField(label=_("File"))
    sheet = forms.CharField(
        label=_("Sheet"),
        required=False,
        max_length=100,
        help_text=_(
            "For an Excel workbook (xlsx): the sheet to read. Empty: the first sheet with an "
            "HXL hashtag row near its top, else the first sheet."
        ),
    )

    class Meta:
        model = IngestionRun
        fields = ["format", "feed", "external_source", "record_status", "organisation"]
        help_texts = {
            "external_source": _("Names the records' source, e.g. 'acled'; default by format."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.detection: Detection | None = None
        self.fields["format"] = forms.ChoiceField(
            label=_("Format"),
            choices=[(DETECT, _("Detect from the file")), *FORMAT_CHOICES],
            required=False,
            help_text=format_html(
                "{}<ul>{}</ul>{}",
                _("What the file holds:"),
                format_html_join("", "<li><strong>{}</strong>: {}</li>", FORMAT_HELP),
                _("Every table format is also accepted as an Excel workbook (xlsx)."),
            ),
        )
        self.fields["external_source"].required = False
        self.fields["record_status"] = forms.ChoiceField(
            label=_("Status of new records"),
            choices=RECORD_STATUS_CHOICES,
        )

    def clean_sheet(self) -> str:
        return str(self.cleaned_data.get("sheet") or "").strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("file")
        if cleaned.get("format") or upload is None:
            return cleaned
        self.detection = detect_upload_format(upload, sheet=cleaned.get("sheet") or None)
        if self.detection.format is None:
            self.add_error("format", self.detection.reason)
        else:
            cleaned["format"] = self.detection.format.value
        return cleaned

    @property
    def options(self) -> dict[str, str]:
        """The run's format options from the form: the workbook's sheet, if named."""
        sheet = self.cleaned_data.get("sheet")
        return {"sheet": sheet} if sheet else {}
