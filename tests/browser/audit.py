"""Layout and accessibility checks run inside a page, and the page list.

The page list comes from the URL conf: every pattern without arguments, and
those with arguments for which ``KWARGS`` knows how to find an object. Staff
pages (the admin) and downloads are left out."""

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

VENDOR = Path(__file__).resolve().parent / "vendor"
ROOT = Path(__file__).resolve().parents[2]
MIN_TARGET = 44
MIN_COLUMN_CHARS = 3

# Namespaces and names never audited: staff-only pages, machine endpoints,
# files, and links that only work with a token from an e-mail.
SKIP_NAMESPACES = {"admin"}
SKIP_NAMES = {
    "healthz",
    "magazine:feed",
    "members:membership-card",
    "members:data-export",
    "kyosai:certificate",
    "kyosai:document",
    "kyosai:claim-document",
    "magazine:letters-confirm",
    "magazine:letters-unsubscribe",
    "account_confirm_email",
    "account_reset_password_from_key",
    "account_logout",
}


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            if ns in SKIP_NAMESPACES:
                continue
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern) and p.name:
            name = f"{namespace}:{p.name}" if namespace else p.name
            yield name, prefix + str(p.pattern), list(p.pattern.converters)


def url_names() -> list[tuple[str, list[str]]]:
    """(name, argument names) of every named page in the URL conf, once."""
    seen: dict[str, list[str]] = {}
    for name, _route, args in _walk(get_resolver().url_patterns):
        if name not in SKIP_NAMES:
            seen.setdefault(name, args)
    return sorted(seen.items())


def pages_for(kwargs_for: dict[str, Callable[[], dict | None]]) -> tuple[list[str], list[str]]:
    """The URLs to visit, and the names left out because no object is known."""
    from django.urls import NoReverseMatch, reverse

    urls, unknown = [], []
    for name, args in url_names():
        kwargs = {}
        if args:
            finder = kwargs_for.get(name)
            kwargs = finder() if finder else None
            if not kwargs:
                unknown.append(name)
                continue
        try:
            urls.append(reverse(name, kwargs=kwargs))
        except NoReverseMatch:
            unknown.append(name)
    return sorted(set(urls)), unknown


# Run in the page: returns a list of problems, each a short sentence.
CHECKS_JS = """
([minTarget, minChars]) => {
  const problems = [];
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (el.classList.length) s += '.' + Array.from(el.classList).join('.');
    const text = (el.textContent || el.value || el.getAttribute('aria-label') || '').trim().replace(/\\s+/g, ' ');
    return s + (text ? ' 「' + text.slice(0, 30) + '」' : '');
  };
  const visible = (el) => {
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden') return false;
    if (el.closest('.visually-hidden, [hidden], [aria-hidden="true"]')) return false;
    const r = el.getBoundingClientRect();
    if (!(r.width > 1 && r.height > 1 && r.right > 0)) return false;
    // Inside a clipped 1px box (a visually hidden table head): not on screen.
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const box = a.getBoundingClientRect();
      if (box.width <= 2 && getComputedStyle(a).overflow === 'hidden') return false;
    }
    return true;
  };
  // 1. Nothing wider than the screen.
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) {
    let widest = null;
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > window.innerWidth + 1 && visible(el) && (!widest || r.right > widest[1])) widest = [el, r.right];
    }
    problems.push('横にはみ出しています（文書幅 ' + doc.scrollWidth + 'px）' + (widest ? '：' + describe(widest[0]) : ''));
  }
  // 2. No text squeezed into a column narrower than a few characters.
  for (const el of document.body.querySelectorAll('*')) {
    let own = '';
    for (const n of el.childNodes) if (n.nodeType === 3) own += n.textContent;
    own = own.replace(/\\s+/g, '');
    if (own.length <= minChars || !visible(el)) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'inline') continue;
    const r = el.getBoundingClientRect();
    const size = parseFloat(cs.fontSize);
    if (r.width < minChars * size - 1) problems.push('文字の列が狭すぎます（幅 ' + Math.round(r.width) + 'px）：' + describe(el));
  }
  // 3. Tap targets at least 44px; links inside a sentence are exempt (WCAG 2.5.5).
  const blockOf = (el) => {
    let b = el.parentElement;
    while (b && getComputedStyle(b).display.startsWith('inline')) b = b.parentElement;
    return b;
  };
  const inSentence = (a) => {
    if (getComputedStyle(a).display !== 'inline') return false;
    const block = blockOf(a);
    if (!block) return false;
    // Text around the links, without separators: a sentence, not a row of links.
    let around = block.textContent;
    for (const link of block.querySelectorAll('a')) around = around.replace(link.textContent, '');
    around = around.replace(/[\\s・／/|›>、。,.（）()「」:：-]+/g, '');
    return around.length >= 6;
  };
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]';
  for (const el of document.querySelectorAll(selector)) {
    if (!visible(el)) continue;
    if (el.closest('.skip-link') || el.matches('.skip-link')) continue;
    let target = el;
    if (el.matches('input[type=checkbox], input[type=radio]')) {
      target = el.closest('label') || (el.id && document.querySelector('label[for="' + el.id + '"]')) || el;
    }
    if (el.tagName === 'A' && inSentence(el)) continue;
    const r = target.getBoundingClientRect();
    if (r.height < minTarget - 0.5 || r.width < minTarget - 0.5) {
      problems.push('タップしにくい大きさです（' + Math.round(r.width) + '×' + Math.round(r.height) + 'px）：' + describe(el));
    }
  }
  return problems;
}
"""

AXE_JS = """
async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + '（' + v.impact + '）：' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' / ')
      + (v.nodes[0] && v.nodes[0].failureSummary ? ' — ' + v.nodes[0].failureSummary.split('\\n').slice(0, 2).join(' ') : ''));
}
"""


def vnu_jar() -> Path | None:
    candidates = [
        os.environ.get("WORQ_VNU_JAR", ""),
        ROOT / "var" / "ci-npm" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar",
        ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar",
    ]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    return None


def validate_html(folder: Path, jar: Path) -> dict[str, list[str]]:
    """Every file in ``folder`` through the Nu HTML Checker in one run: {file name: errors}."""
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("java が見つかりません（default-jre-headless を入れてください）")
    done = subprocess.run(
        [
            java,
            "-Xss4m",
            "-jar",
            str(jar),
            "--errors-only",
            "--format",
            "json",
            "--exit-zero-always",
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    data = json.loads(done.stderr or done.stdout or '{"messages": []}')
    found: dict[str, list[str]] = {}
    for message in data.get("messages", []):
        name = Path(message.get("url", "")).name
        extract = (message.get("extract") or "").strip().replace("\n", " ")[:80]
        found.setdefault(name, []).append(
            f"{message.get('message')}（{message.get('lastLine', '?')}行目：{extract}）"
        )
    return found
