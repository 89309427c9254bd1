"""What a keyboard user meets on a page: where Tab goes, whether they see it, and what a failed submission says.

The checks return the problems they find, in words, so that a test can report them all at once.
"""

# The focused element, numbered on its first visit so that a walk can tell when it comes back.
# The focus ring counts wherever the DSFR draws it: on the element, on one of its pseudo-elements
# (the brand block of the header), or on the label of a radio button or checkbox, whose box the
# DSFR draws in place of the transparent native control.
FOCUSED = """() => {
  const element = document.activeElement;
  if (!element || element === document.body || element === document.documentElement) return null;
  if (!element.dataset.focusStop) {
    element.dataset.focusStop = String(document.querySelectorAll('[data-focus-stop]').length + 1);
  }
  const carriers = [[element, null], [element, '::before'], [element, '::after']];
  if ((element.type === 'radio' || element.type === 'checkbox') && element.labels && element.labels[0]) {
    carriers.push([element.labels[0], '::before']);
  }
  const ring = carriers.some(([node, pseudo]) => {
    const style = getComputedStyle(node, pseudo);
    return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1
      && style.outlineColor !== 'rgba(0, 0, 0, 0)';
  });
  const shown = carriers.some(([node]) => {
    const box = node.getBoundingClientRect();
    return box.width >= 1 && box.height >= 1;
  });
  // Positions in the page as laid out, before any container scrolled to show the element.
  const box = element.getBoundingClientRect();
  let left = box.left + window.scrollX, top = box.top + window.scrollY;
  for (let node = element.parentElement; node; node = node.parentElement) {
    left += node.scrollLeft;
    top += node.scrollTop;
  }
  const label = element.labels && element.labels[0] ? element.labels[0].textContent : element.textContent;
  return {
    stop: element.dataset.focusStop,
    field: element.type === 'radio' ? 'radio:' + element.name : (element.id || element.name || ''),
    form: element.form ? [...document.forms].indexOf(element.form) : -1,
    text: (label || element.getAttribute('aria-label') || '').trim().replace(/\\s+/g, ' ').slice(0, 60),
    box: [left, top, left + box.width, top + box.height],
    ring,
    shown,
  };
}"""

# The fields of each form of the page's content: a group of radio buttons is one field.
FORM_FIELDS = """() => [...document.querySelectorAll('#content form')].map(form => ({
  form: [...document.forms].indexOf(form),
  fields: [...new Set([...form.elements]
    .filter(element => !element.disabled && element.type !== 'hidden' && element.tagName !== 'FIELDSET')
    .map(element => element.type === 'radio' ? 'radio:' + element.name : (element.id || element.name)))],
}))"""

ERROR_STATE = """() => {
  const invalid = [...document.querySelectorAll('#content [aria-invalid="true"]')];
  const described = element => (element.getAttribute('aria-describedby') || '').split(/\\s+/)
    .map(id => document.getElementById(id)).filter(node => node && node.textContent.trim());
  const messages = [...document.querySelectorAll('#content .fr-error-text, #content .fr-message--error')];
  const active = document.activeElement;
  return {
    title: document.title,
    invalid: invalid.map(element => element.id || element.name),
    unlinked: invalid.filter(element => !described(element).length).map(element => element.id || element.name),
    messages: messages.map(node => node.textContent.trim()),
    stray: messages.filter(node => !invalid.some(element => described(element).some(d => d.contains(node))))
      .filter(node => !node.closest('.errorlist.nonfield, [data-error-summary]'))
      .map(node => node.textContent.trim()),
    focused: active === document.body ? null : (active.id || active.name || active.className),
    focusedIsFirstInvalid: invalid.length > 0 && active === invalid[0],
    focusedHolds: active.textContent.trim(),
  };
}"""


def walk(page, key: str, limit: int = 400) -> tuple[list[dict], bool]:
    """Press `key` until the focus leaves the page or comes back; the stops, and whether it left.

    The walk starts where the focus is: on a field that has it when the page opens (autofocus).
    """
    stops = [stop] if (stop := page.evaluate(FOCUSED)) else []
    for _ in range(limit):
        page.keyboard.press(key)
        stop = page.evaluate(FOCUSED)
        if stop is None:
            return stops, True
        if stops and stop["stop"] == stops[-1]["stop"]:
            continue  # Tab moves between the parts of one control: day, month and year of a date.
        if any(seen["stop"] == stop["stop"] for seen in stops):
            return [*stops, stop], False
        stops.append(stop)
    return stops, False


def placed_before(earlier: list[float], later: list[float]) -> bool:
    """Whether the field reached later is placed before the earlier one in reading order.

    On the same line, reading goes left to right; a field above is read first unless it heads
    the next column (a table cell, a column of the grid).
    """
    left, top, right, bottom = earlier
    later_left, later_top, _later_right, later_bottom = later
    if later_top < bottom and top < later_bottom:
        return later_left < left
    if later_bottom <= top:
        return later_left < right
    return False


def keyboard_problems(page) -> list[str]:
    """Tab and Shift+Tab from the top of the page just loaded: every form field is reached in reading order,
    the focus shows, leaves the page at the end, and comes back the same way."""
    problems = []
    forward, left = walk(page, "Tab")
    if not left:
        # Back to a field already reached: fine if it is where the walk started, a trap otherwise.
        again = forward.pop()
        if again["stop"] != forward[0]["stop"]:
            problems.append(f"the focus is trapped: Tab comes back to {again['text']!r}")
    backward, _ = walk(page, "Shift+Tab")
    if [stop["stop"] for stop in backward[: len(forward)]] != [stop["stop"] for stop in reversed(forward)]:
        problems.append("Shift+Tab does not go back through the page the way Tab went")
    for stop in forward:
        if not (stop["ring"] and stop["shown"]):
            problems.append(f"the focus does not show on {stop['text'] or stop['field']!r}")
    for form in page.evaluate(FORM_FIELDS):
        stops = [stop for stop in forward if stop["form"] == form["form"]]
        reached = {stop["field"] for stop in stops}
        problems += [f"Tab never reaches {field}" for field in form["fields"] if field not in reached]
        for earlier, later in zip(stops, stops[1:], strict=False):
            if placed_before(earlier["box"], later["box"]):
                problems.append(f"Tab reaches {later['text']!r} after {earlier['text']!r}, which follows it on screen")
    return problems


def error_problems(page) -> list[str]:
    """After a submission that failed: the title says so (RGAA 8.6), the focus is on the first field
    in error or on the message that explains the error, and each field in error is described by its
    message (RGAA 11.10)."""
    state = page.evaluate(ERROR_STATE)
    problems = []
    if not state["title"].startswith("Erreur"):
        problems.append(f"the title does not say there is an error: {state['title']!r}")
    if state["invalid"]:
        if not state["focusedIsFirstInvalid"]:
            problems.append(f"the focus is on {state['focused']!r}, not on the first field in error")
    elif not state["focused"] or not state["focusedHolds"]:
        problems.append(f"no field is in error and the focus is on {state['focused']!r}, not on the error message")
    problems += [f"{field} is in error but described by no message" for field in state["unlinked"]]
    problems += [f"the message {message!r} is tied to no field" for message in state["stray"]]
    return problems


def tab_to(page, locator, limit: int = 200) -> None:
    """Press Tab until `locator` has the focus, as a keyboard user moves through the page."""
    for _ in range(limit):
        if locator.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reaches {locator}")
