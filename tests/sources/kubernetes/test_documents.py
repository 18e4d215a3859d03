from __future__ import annotations

import os
from pathlib import Path

import pytest

from dindcheck.sources.kubernetes.documents import (
    MAX_RESTARTS,
    Reading,
    groovy_strings,
    read_file,
    read_source,
)
from dindcheck.yamlload import MAX_ALIAS_NODES, PosDict


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def kinds(reading: Reading) -> list[object]:
    return [d.data.get("kind") if isinstance(d.data, dict) else d.data
            for d in reading.documents]


def where(reading: Reading) -> list[tuple[int | None, int | None]]:
    return [(p.line, p.column) for p in reading.problems]


# --- multi-document YAML ---------------------------------------------------------------


def test_every_document_is_read_with_the_lines_of_the_file() -> None:
    reading = read_source("kind: A\n---\n---\n# comment\nkind: B\nspec:\n  x: 1\n", "m.yaml")
    assert kinds(reading) == ["A", "B"]
    assert [d.line for d in reading.documents] == [1, 5]
    assert [d.index for d in reading.documents] == [0, 2]
    second = reading.documents[1].data
    assert isinstance(second, PosDict)
    assert second.key_marks["spec"].line == 6
    assert second["spec"].key_marks["x"] == ("m.yaml", 7, 3)


def test_a_syntax_error_loses_only_its_own_document() -> None:
    reading = read_source("kind: A\n---\nkind: [B\n---\nkind: C\n---\nkind: D: E\n---\n"
                          "kind: F\n", "m.yaml")
    assert kinds(reading) == ["A", "C", "F"]
    assert [d.line for d in reading.documents] == [1, 5, 9]
    assert [line for line, _ in where(reading)] == [4, 7]


def test_too_many_syntax_errors_end_the_file_with_a_note() -> None:
    text = "kind: [x\n---\n" * (MAX_RESTARTS + 5) + "kind: Last\n"
    reading = read_source(text, "m.yaml")
    assert "Last" not in kinds(reading)
    assert len(reading.problems) == MAX_RESTARTS + 1
    assert any("syntax errors" in n for n in reading.notes)


def test_helm_output_keeps_each_documents_template() -> None:
    text = ("---\n# Source: chart/templates/sa.yaml\nkind: ServiceAccount\n"
            "---\n# Source: chart/templates/deployment.yaml\nkind: Deployment\n"
            "---\nkind: Written\n")
    reading = read_source(text, "out.yaml")
    assert [(d.data["kind"], d.template) for d in reading.documents] == [
        ("ServiceAccount", "chart/templates/sa.yaml"),
        ("Deployment", "chart/templates/deployment.yaml"),
        ("Written", None)]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        pytest.param("_helpers.tpl", '{{/* x */}}\n{{- define "a" -}}\nb\n{{- end }}\n', (1, 1),
                     id="tpl-file"),
        pytest.param("d.yaml", 'kind: Deployment\nmetadata:\n  name: {{ include "n" . }}\n',
                     (3, 9), id="include"),
        pytest.param("p.yaml", 'kind: Pod\nspec:\n  containers:\n  - image: "{{ .Values.i }}"\n',
                     (4, 13), id="quoted-value"),
        pytest.param("p.yaml", "{{- if .Values.on }}\nkind: Pod\n{{- end }}\n", (1, 1),
                     id="control-line"),
    ],
)
def test_unrendered_templates_are_refused_at_their_first_action(
        name: str, text: str, expected: tuple[int, int]) -> None:
    reading = read_source(text, name)
    assert reading.documents == []
    assert where(reading) == [expected]
    assert "helm template" in reading.problems[0].message


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("kind: Pod\nargs: [\"docker version --format '{{.Client.Version}}'\"]\n",
                     id="go-format-string"),
        pytest.param("# image: {{ .Values.image }}\nkind: Pod\n", id="in-a-comment"),
    ],
)
def test_go_format_strings_and_comments_are_not_templates(text: str) -> None:
    reading = read_source(text, "p.yaml")
    assert reading.problems == []
    assert kinds(reading) == ["Pod"]


ANCHORED = "containers: []\na: &a [" + "1, " * 99 + "1]\nb: [" + "*a, " * 29 + "*a]\n"
ENOUGH = MAX_ALIAS_NODES // (30 * 101) + 2  # documents whose aliases add 30 x 101 nodes each


@pytest.mark.parametrize(
    ("name", "text"),
    [
        pytest.param("m.yaml", "---\n".join([ANCHORED] * ENOUGH), id="documents"),
        pytest.param("Jenkinsfile", "".join(f"def p{i} = '''\n{ANCHORED}'''\n"
                                            for i in range(ENOUGH)), id="groovy-strings"),
    ],
)
def test_the_alias_budget_spans_all_documents_of_an_input(name: str, text: str) -> None:
    reading = read_source(text, name)
    assert 0 < len(reading.documents) < ENOUGH
    assert "alias" in reading.problems[0].message


def test_duplicate_keys_are_worded_for_kubernetes() -> None:
    reading = read_source("kind: Pod\nkind: Pod\n", "m.yaml")
    assert where(reading) == [(2, 1)]
    assert "kubectl rejects it" in reading.problems[0].message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("metadata:\n  name: ${NAME}-runner\n", "m.yaml:2: envsubst-style "
                     "placeholders (${NAME}", id="value"),
        pytest.param("args:\n- echo ${HOME}\n- |\n  cd ${DIR}\n", None, id="shell-words"),
    ],
)
def test_envsubst_placeholders_are_noted_where_they_stand_for_values(
        text: str, expected: str | None) -> None:
    notes = read_source(text, "m.yaml").notes
    if expected is None:
        assert notes == []
    else:
        assert notes
        assert notes[0].startswith(expected)


# --- JSON ------------------------------------------------------------------------------


def test_json_is_read_without_positions() -> None:
    reading = read_source('{"kind": "List", "items": [{"kind": "Pod"}]}', "state.json")
    assert [d.located for d in reading.documents] == [False]
    assert reading.documents[0].data["items"] == [{"kind": "Pod"}]


def test_standard_input_is_json_by_its_content() -> None:
    assert read_source('\n {"kind": "Pod"}\n{"kind": "Service"}', "-").documents[1].data == {
        "kind": "Service"}
    assert read_source("kind: Pod\n", "-").documents[0].located


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param('{"kind": "List",\n "items": [}', (2, 12), id="syntax"),
        pytest.param("[" * 100_000 + "]" * 100_000, (None, None), id="deep"),
        pytest.param('{"replicas": ' + "9" * 5000 + "}", (None, None), id="huge-number"),
    ],
)
def test_unreadable_json_is_a_located_problem(
        text: str, expected: tuple[int | None, int | None]) -> None:
    reading = read_source(text, "state.json")
    assert reading.documents == []
    assert where(reading) == [expected]


# --- Groovy ----------------------------------------------------------------------------

JENKINSFILE = """\
// podTemplate(yaml: '''kind: Commented''')
def quote = "it's \\"'''\\" not a string"
/* a ''' block
   comment ''' */
podTemplate(yaml: '''
  apiVersion: v1
  kind: Pod
  spec:
    containers:
    - name: dind
      image: docker:dind
''') {
  node(POD_LABEL) {
    sh \"\"\"
      docker version
    \"\"\"
  }
}
"""


def test_pod_yaml_in_a_groovy_string_keeps_the_files_lines() -> None:
    reading = read_source(JENKINSFILE, "Jenkinsfile")
    assert kinds(reading) == ["Pod"]
    container = reading.documents[0].data["spec"]["containers"][0]
    assert container.key_marks["image"] == ("Jenkinsfile", 11, 7)
    assert reading.notes == ["Jenkinsfile:5: pod YAML read from a Groovy string"]


def test_groovy_strings_skip_comments_and_other_strings() -> None:
    pod = JENKINSFILE[JENKINSFILE.index("yaml: '''\n") + 9:JENKINSFILE.index("''') {")]
    assert [content for _, content in groovy_strings(JENKINSFILE)] == [
        pod, "\n      docker version\n    "]


def test_groovy_without_pod_yaml_says_nothing_was_read() -> None:
    reading = read_source("pipeline { agent any }\n", "build.groovy")
    assert reading.documents == []
    assert "no pod YAML" in reading.notes[0]


# --- files -----------------------------------------------------------------------------


def test_special_files_are_refused_without_opening_them(tmp_path: Path) -> None:
    os.mkfifo("pipe.yaml")  # opening it would block
    Path("folder.yaml").mkdir()
    messages = [read_file(Path(p)).problems[0].message
                for p in ("pipe.yaml", "folder.yaml", "/dev/null", "missing.yaml")]
    assert messages == ["cannot read: a FIFO, not a regular file",
                        "cannot read: a directory, not a regular file",
                        "cannot read: a device, not a regular file",
                        "cannot read: No such file or directory"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"kind: Pod\x00\n", "binary file (NUL byte), not text", id="nul"),
        pytest.param(b"kind: \xff\n", "not UTF-8 text (byte 0xff)", id="utf8"),
        pytest.param(b"kind: Pod\n" * 20, "file is 200 bytes, over the 100-byte cap; not "
                     "read (raise it with --max-file-size)", id="size"),
    ],
)
def test_unreadable_files_are_problems(data: bytes, expected: str) -> None:
    Path("m.yaml").write_bytes(data)
    reading = read_file(Path("m.yaml"), max_size=100)
    assert [p.message for p in reading.problems] == [expected]
