"""The rule card as Markdown (like the catalog page), JSON and a standalone HTML page."""

from __future__ import annotations

import html
import json

from sigma_certutil.rule_card import IndicatorValue, RuleCard


def _value(value: IndicatorValue) -> str:
    return value.value if value.corpus is None else f"{value.value} corpus {value.corpus}"


def to_json(card: RuleCard) -> str:
    return json.dumps(card.to_json(), indent=2, ensure_ascii=False) + "\n"


def to_markdown(card: RuleCard) -> str:
    lines = [
        f"# {card.title}",
        "",
        f"- Status: {card.status}",
        f"- Severity: {card.level}",
        "- Log source: " + ", ".join(f"{k} {v}" for k, v in card.logsource.items()),
        f"- Author: {card.author}",
        f"- Date: {card.date}" + (f", modified {card.modified}" if card.modified else ""),
        f"- Id: {card.id}",
        "",
        card.description,
        "",
        f"## MITRE ATT&CK coverage (ATT&CK {card.attack_version})",
        "",
        "| Tactic | Techniques |",
        "|---|---|",
    ]
    techniques = ", ".join(f"{t.id} {t.name}" for t in card.techniques) or "-"
    for tactic in card.tactics or ():
        lines.append(f"| {tactic.name} ({tactic.id}) | {techniques} |")
    if not card.tactics:
        lines.append(f"| - | {techniques} |")
    lines += ["", "## Event coverage", "", "| Provider | Event | Title |", "|---|---|---|"]
    lines += [f"| {e.provider} | Event ID {e.event_id} | {e.title} |" for e in card.events]
    lines += ["", "## Rule body", "", "```yaml", card.body.rstrip(), "```", ""]
    lines += ["## Stages and predicates", ""]
    for number, stage in enumerate(card.stages):
        lines += [f"Stage {number}: {stage.name}", "", "```yaml", stage.body, "```", ""]
    lines += ["## Indicators", ""]
    if card.corpus is not None:
        lines += [
            f"Corpus: {card.corpus_rules} rules under {card.corpus}; each count is the number "
            "of rules testing the same field with the same operator and value (values compared "
            "without case, each rule once), this rule included.",
            "",
        ]
    lines += ["| Field | Kind | Values |", "|---|---|---|"]
    for indicator in card.indicators:
        values = "<br>".join(_value(v).replace("|", "\\|") for v in indicator.values)
        kind = indicator.kind + "".join(f" ({m})" for m in indicator.modifiers)
        lines.append(f"| {indicator.field} | {kind} | {values} |")
    if card.references or card.falsepositives:
        lines += ["", "## References and false positives", ""]
        lines += [f"- {reference}" for reference in card.references]
        lines += [f"- False positive: {fp}" for fp in card.falsepositives]
    return "\n".join(lines) + "\n"


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}
pre{background:#f6f6f6;padding:.6rem;overflow:auto}
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dt{font-weight:600}
.corpus{color:#666;font-size:.85em;margin-left:.4rem}
"""


def to_html(card: RuleCard) -> str:
    e = html.escape
    facts = [
        ("Status", card.status),
        ("Severity", card.level),
        ("Log source", ", ".join(f"{k} {v}" for k, v in card.logsource.items())),
        ("Author", card.author),
        ("Date", card.date + (f", modified {card.modified}" if card.modified else "")),
        ("Id", card.id),
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(card.title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{e(card.title)}</h1>",
        "<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts) + "</dl>",
        f"<p>{e(card.description)}</p>",
        f"<h2>MITRE ATT&amp;CK coverage</h2><p>ATT&amp;CK {e(card.attack_version)}</p>",
        '<table id="attack"><tr><th>Tactic</th><th>Techniques</th></tr>',
    ]
    techniques = ", ".join(f"{t.id} {t.name}" for t in card.techniques) or "-"
    for tactic in card.tactics:
        parts.append(f"<tr><td>{e(tactic.name)} ({e(tactic.id)})</td><td>{e(techniques)}</td></tr>")
    parts.append("</table><h2>Event coverage</h2>")
    parts.append('<table id="events"><tr><th>Provider</th><th>Event</th><th>Title</th></tr>')
    for event in card.events:
        parts.append(
            f"<tr><td>{e(event.provider)}</td><td>Event ID {event.event_id}</td>"
            f"<td>{e(event.title)}</td></tr>"
        )
    parts.append(f"</table><h2>Rule body</h2><pre>{e(card.body)}</pre>")
    parts.append("<h2>Stages and predicates</h2>")
    for number, stage in enumerate(card.stages):
        parts.append(f"<h3>Stage {number}: {e(stage.name)}</h3><pre>{e(stage.body)}</pre>")
    parts.append('<h2>Indicators</h2><table id="indicators">')
    parts.append("<tr><th>Field</th><th>Kind</th><th>Values</th></tr>")
    for indicator in card.indicators:
        values = "".join(
            f"<li>{e(v.value)}"
            + (f'<span class="corpus">corpus {v.corpus}</span>' if v.corpus is not None else "")
            + "</li>"
            for v in indicator.values
        )
        parts.append(
            f"<tr><td>{e(indicator.field)}</td><td>{e(indicator.kind)}</td>"
            f"<td><ul>{values}</ul></td></tr>"
        )
    parts.append("</table>")
    if card.references:
        parts.append("<h2>References</h2><ul>")
        parts += [f'<li><a href="{e(r)}">{e(r)}</a></li>' for r in card.references]
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


FORMATS = {"md": to_markdown, "json": to_json, "html": to_html}
