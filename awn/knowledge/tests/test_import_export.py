from __future__ import annotations

import io
import json

from django.core.management import call_command

from awn.knowledge.enums import ArticleStatus, Visibility
from awn.knowledge.models import Article, ArticleVersion
from awn.search.enums import Kind
from awn.search.models import SearchEntry

FIELDS = ("id", "category", "title_ar", "body_ar", "title_en", "tags")


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_import_real_kb_gives_40_published_public_articles(db, kb_path):
    out = io.StringIO()
    call_command("import_kb", str(kb_path), stdout=out)
    assert Article.objects.count() == 40
    assert set(Article.objects.values_list("status", "visibility").distinct()) == {
        (ArticleStatus.PUBLISHED, Visibility.PUBLIC)
    }
    assert not Article.objects.filter(published_at__isnull=True).exists()
    assert ArticleVersion.objects.count() == 40
    assert SearchEntry.objects.filter(kind=Kind.ARTICLE).count() == 40
    article = Article.objects.get(external_id="kb-009")
    assert article.category == "account_access"
    assert "نسيت كلمة المرور" in article.tags


def test_reimport_is_idempotent_and_a_change_adds_a_version(db, kb_path, tmp_path):
    call_command("import_kb", str(kb_path), stdout=io.StringIO())
    out = io.StringIO()
    call_command("import_kb", str(kb_path), stdout=out)
    assert Article.objects.count() == 40
    assert ArticleVersion.objects.count() == 40
    assert "40" in out.getvalue()

    rows = _rows(kb_path)
    rows[0]["title_ar"] += " (محدّث)"
    changed = tmp_path / "kb.jsonl"
    changed.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    call_command("import_kb", str(changed), stdout=io.StringIO())
    article = Article.objects.get(external_id=rows[0]["id"])
    assert article.title_ar.endswith("(محدّث)")
    assert list(article.versions.order_by("number").values_list("number", flat=True)) == [1, 2]
    assert Article.objects.count() == 40


def test_export_round_trip_equals_input(db, kb_path, tmp_path):
    call_command("import_kb", str(kb_path), stdout=io.StringIO())
    target = tmp_path / "out.jsonl"
    call_command("export_kb", str(target), stdout=io.StringIO())
    exported = {row["id"]: row for row in _rows(target)}
    original = {row["id"]: row for row in _rows(kb_path)}
    assert exported.keys() == original.keys()
    for key, row in original.items():
        assert {f: exported[key][f] for f in FIELDS} == {f: row[f] for f in FIELDS}
    # Written as the input is: UTF-8 Arabic, not \u escapes.
    assert "كلمة المرور" in target.read_text(encoding="utf-8")


def test_import_rejects_a_bad_line(db, tmp_path):
    import pytest
    from django.core.management.base import CommandError

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "kb-900", "category": "other"}\n', encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_kb", str(bad), stdout=io.StringIO())
    assert not Article.objects.exists()
