"""Step mode's control: ◀ ▶, a field for step k, the arrows' switch and their legend.

Stepping must feel instant, so it never waits for the server: a ``st.components.v2``
component (no iframe: its script runs in the page) moves the landscape chart's own traces to
step k with ``Plotly.animate`` (no redraw of the landscape), from what the figure carries in
``layout.meta.gdviz_steps`` (:func:`gdviz.figures.stepping.step_panel`): each run's path cut
at θ_k, its end marks only once reached, the point θ_k, and update k's arrows. Then, once the
clicks pause, it tells the server the step (its state ``k``), which puts it in the link
(``step=k``) and in the math tab's update, without redrawing the chart. A data lesson's
panel of fitted lines follows: each run's line at θ_k (``layout.meta.gdviz_lines``). On the
3-D tab, the same control cuts the scene's paths at step k and puts θ_k on the surface
(``layout.meta.gdviz_steps3d``, :func:`gdviz.figures.surface3d.surface_figure`), with
``Plotly.restyle``: a 3-D scene cannot be animated without a redraw.

The step lives in the page (``window.__gdvizStep``): a new figure (other rates, a resized
window) is stepped to the same k as soon as it is drawn. The server's ``k`` only opens the
mode at a link's step.

:func:`link_step` reads the step back from the link, for the step control's start and the math
tab's update.
"""

from __future__ import annotations

import streamlit as st

from gdviz.figures.stepping import ARROWS
from gdviz.links import NUMBERS

__all__ = ["link_step", "step_bar_height", "step_control"]

_STEP_JS = """
export default function (component) {
    const { setStateValue, data, parentElement } = component;
    const memory = (window.__gdvizStep ??= { k: null, arrows: true, sent: null });
    if (memory.k === null || memory.longest !== data.longest) {
        if (memory.k === null) memory.k = data.k;
        memory.longest = data.longest;
    }
    memory.k = Math.max(0, Math.min(memory.k, data.longest));
    const root = parentElement.querySelector('.gdviz-step');
    const field = root.querySelector('input[type=number]');
    const arrowsBox = root.querySelector('input[type=checkbox]');
    root.querySelector('.of').textContent = `of ${data.longest}`;
    field.max = data.longest;
    arrowsBox.checked = memory.arrows;
    root.querySelector('.legend').innerHTML = data.legend.map(([label, color, shape]) =>
        `<span><i class="${shape}" style="--c:${color}"></i>${label}</span>`).join('');
    root.classList.toggle('big', !!data.projector);
    root.querySelector('.switch').style.display = data.arrows === false ? 'none' : '';

    const chart = () => document.querySelector('.st-key-landscape .js-plotly-plot');
    let timer = 0;
    const report = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
            if (memory.sent !== memory.k) { memory.sent = memory.k; setStateValue('k', memory.k); }
        }, 350);
    };
    // Plotly.animate's options for a step: at once, nothing redrawn but the traces given.
    const atOnce = { mode: 'immediate', transition: { duration: 0 }, frame: { duration: 0, redraw: false } };
    const dataChart = () => document.querySelector('.st-key-data_panel .js-plotly-plot');
    // A data lesson's line at θ = (t0, t1): gdviz.figures.data._fitted_line's formulas (a
    // browser test checks the two agree), across the box [[xl, yl], [xh, yh]].
    const fittedLine = (kind, t0, t1, [[xl, yl], [xh, yh]]) => {
        if (kind === 'linear') return [[xl, xh], [t0 * xl + t1, t0 * xh + t1]];
        if (Math.abs(t0) < 1e-12 && Math.abs(t1) < 1e-12) return [[], []];
        if (Math.abs(t1) >= Math.abs(t0)) return [[xl, xh], [-t0 * xl / t1, -t0 * xh / t1]];
        return [[-t1 * yl / t0, -t1 * yh / t0], [yl, yh]];
    };
    const stepLines = (thetas) => {
        const plot = dataChart();
        const lines = plot?.layout?.meta?.gdviz_lines;
        if (!plot || !lines || !window.Plotly || !plot._fullData) return;
        const drawn = thetas.map((theta) => {
            const [x, y] = theta ? fittedLine(lines.kind, theta[0], theta[1], lines.bounds) : [[], []];
            return { x, y };
        });
        plot.__gdvizStepAt = memory.k;
        window.Plotly.animate(plot, { data: drawn, traces: lines.traces }, atOnce);
    };
    const figureSignature = (steps) => steps.runs.map((run) =>
        `${run.nit},${run.steps.length},${run.pos[0]},${run.pos[1]},${run.pos[run.pos.length - 1]}`).join(';');
    const parkedAt = (steps, n) => [Array(n).fill(steps.parked[0]), Array(n).fill(steps.parked[1])];
    const apply = () => {
        const plot = chart();
        const steps = plot?.layout?.meta?.gdviz_steps;
        if (!plot || !steps || !window.Plotly || !plot._fullData) return false;
        // This figure as drawn (full paths, end marks), kept from before its first step. Not
        // taken again when Streamlit hands plotly.js the same figure a second time, just after
        // mounting (new objects, the same figure): a step drawn just before could land on that
        // copy, and its cut paths were then taken for the full ones.
        const signature = figureSignature(steps);
        if (plot.__gdvizFullFor !== signature) {
            plot.__gdvizFullFor = signature;
            plot.__gdvizFull = plot.data.map((t) => ({ x: Array.from(t.x ?? []), y: Array.from(t.y ?? []) }));
        }
        plot.__gdvizStepsSeen = steps;
        const full = plot.__gdvizFull;
        const k = memory.k, traces = [], data_ = [], thetas = [];
        const put = (index, x, y) => {
            if (index !== undefined) { traces.push(index); data_.push({ x, y }); }
        };
        steps.runs.forEach((run) => {
            const at = run.traces;
            let shown = 0;
            while (shown < run.steps.length && run.steps[shown] <= k) shown++;
            put(at.path, full[at.path].x.slice(0, shown), full[at.path].y.slice(0, shown));
            for (const mark of at.ends) {
                put(mark, ...(k >= run.nit ? [full[mark].x, full[mark].y] : parkedAt(steps, full[mark].x.length)));
            }
            const now = Math.min(k, run.nit);
            // θ_k from the run's positions; past the updates they cover, the path's last point.
            const known = 2 * now + 1 < run.pos.length;
            const px = known ? run.pos[2 * now] : full[at.path].x[shown - 1];
            const py = known ? run.pos[2 * now + 1] : full[at.path].y[shown - 1];
            put(at.point, ...(px === null || py === null ? parkedAt(steps, 2) : [[px, px], [py, py]]));
            thetas.push(px === null || py === null ? null : [px, py]);
            const live = memory.arrows && k >= 1 && k <= run.n;
            const sx = live ? run.pos[2 * (k - 1)] : null, sy = live ? run.pos[2 * (k - 1) + 1] : null;
            for (const [kind, ends] of Object.entries(run.ends)) {
                const ex = live ? ends[2 * (k - 1)] : null, ey = live ? ends[2 * (k - 1) + 1] : null;
                const ok = sx !== null && sy !== null && ex !== null && ey !== null;
                if (!ok) put(at[kind], ...parkedAt(steps, 2));
                else if (kind === 'lookahead') put(at[kind], [ex, ex], [ey, ey]);
                else put(at[kind], [sx, ex], [sy, ey]);
            }
            if (run.box) {
                const b = live ? run.box.slice(4 * (k - 1), 4 * k) : [];
                if (b.length === 4 && !b.includes(null)) {
                    put(at.box, [b[0], b[2], b[2], b[0], b[0]], [b[1], b[1], b[3], b[3], b[1]]);
                } else put(at.box, ...parkedAt(steps, 5));
            }
        });
        plot.__gdvizStepAt = k;
        stepLines(thetas);
        window.Plotly.animate(plot, { data: data_, traces }, atOnce).then(() => requestAnimationFrame(() => {
            // For tests and the benchmark: which step is on screen, and since when.
            window.__gdvizStepDrawn = { k, at: performance.now() };
        }));
        return true;
    };
    // The 3-D tab's scene (step mode): each run's line and iterates cut at step k, its end
    // mark (and a diverged run's flight) once reached, θ_k on the surface (layout.meta.gdviz_steps3d, built by
    // gdviz.figures.surface3d). Plotly.restyle: a scene cannot be animated without a redraw.
    const surface = () => document.querySelector('.st-key-surface3d .js-plotly-plot');
    const apply3d = () => {
        const plot = surface();
        const steps = plot?.layout?.meta?.gdviz_steps3d;
        if (!plot || !steps || !window.Plotly || !plot._fullData) return false;
        if (plot.__gdvizFullFor !== steps) {  // this figure as drawn, before its first step
            plot.__gdvizFullFor = steps;
            plot.__gdvizFull = plot.data.map((t) => ({
                x: Array.from(t.x ?? []), y: Array.from(t.y ?? []), z: Array.from(t.z ?? []) }));
        }
        const full = plot.__gdvizFull, k = memory.k, xs = [], ys = [], zs = [], traces = [];
        const put = (index, x, y, z) => { traces.push(index); xs.push(x); ys.push(y); zs.push(z); };
        const cut = (index, shown) => put(index, full[index].x.slice(0, shown),
            full[index].y.slice(0, shown), full[index].z.slice(0, shown));
        const upTo = (list) => { let n = 0; while (n < list.length && list[n] <= k) n++; return n; };
        steps.runs.forEach((run) => {
            const at = run.traces, lineShown = upTo(run.line), dotsShown = upTo(run.iterates);
            cut(at.line, lineShown);
            cut(at.iterates, dotsShown);
            const reached = k >= run.nit;
            for (const flight of at.flights) cut(flight, reached ? full[flight].x.length : 0);
            cut(at.marks, reached ? full[at.marks].x.length : 1);  // the start ○ from the start
            const now = Math.min(k, run.nit);
            const p = 3 * now + 2 < run.pos.length ? run.pos.slice(3 * now, 3 * now + 3) : null;
            const last = full[at.iterates];
            const point = p && !p.includes(null) ? p
                : dotsShown ? [last.x[dotsShown - 1], last.y[dotsShown - 1], last.z[dotsShown - 1]] : null;
            put(at.point, ...(point ? point.map((v) => [v]) : [[], [], []]));
        });
        plot.__gdvizStepAt = k;
        window.Plotly.restyle(plot, { x: xs, y: ys, z: zs }, traces).then(() => requestAnimationFrame(() => {
            window.__gdvizStepDrawn = { k, at: performance.now() };
        }));
        return true;
    };
    const go = (k) => {
        memory.k = Math.max(0, Math.min(k, data.longest));
        field.value = memory.k;
        apply();
        apply3d();
        report();
    };
    field.value = memory.k;
    root.querySelector('.back').onclick = () => go(memory.k - 1);
    root.querySelector('.forward').onclick = () => go(memory.k + 1);
    field.onchange = () => go(parseInt(field.value || '0', 10));
    field.onkeydown = (e) => { if (e.key === 'Enter') go(parseInt(field.value || '0', 10)); };
    root.onkeydown = (e) => {
        if (e.target === field) return;
        if (e.key === 'ArrowLeft') { go(memory.k - 1); e.preventDefault(); }
        if (e.key === 'ArrowRight') { go(memory.k + 1); e.preventDefault(); }
    };
    arrowsBox.onchange = () => { memory.arrows = arrowsBox.checked; apply(); };
    // A chart drawn anew (a rerun with another figure), or handed its figure again (which
    // draws it whole), is stepped as soon as it is there.
    const watch = setInterval(() => {
        const plot = chart();
        const redrawn = plot && plot.__gdvizStepsSeen !== plot.layout?.meta?.gdviz_steps;
        const lines = dataChart();
        const linesBehind = lines?.layout?.meta?.gdviz_lines && lines.__gdvizStepAt !== memory.k;
        if (plot && (plot.__gdvizStepAt !== memory.k || redrawn || linesBehind)) apply();
        const scene = surface();
        const sceneSteps = scene?.layout?.meta?.gdviz_steps3d;
        if (sceneSteps && (scene.__gdvizStepAt !== memory.k || scene.__gdvizFullFor !== sceneSteps)) apply3d();
    }, 100);
    apply();
    apply3d();
    if (data.k !== memory.k) report();
    return () => { clearInterval(watch); clearTimeout(timer); };
}
"""

_STEP_HTML = """
<div class="gdviz-step" tabindex="0">
  <button class="back" title="one step back (←)">◀</button>
  <button class="forward" title="one step forward (→)">▶</button>
  <label>step <input type="number" min="0" step="1" aria-label="step"> <span class="of"></span></label>
  <label class="switch"><input type="checkbox" checked> arrows</label>
  <span class="legend"></span>
</div>
"""

_STEP_CSS = """
.gdviz-step { display: flex; align-items: center; gap: 0.6rem; flex-wrap: wrap;
  font-family: "Source Sans", sans-serif; font-size: 16px; line-height: 1.3; }
.gdviz-step button { font-size: 18px; min-width: 2.6rem; padding: 0.15rem 0.5rem;
  border: 1px solid #ccc; border-radius: 0.4rem; background: white; cursor: pointer; }
.gdviz-step button:hover { border-color: #ff4b4b; color: #ff4b4b; }
.gdviz-step input[type=number] { width: 5.5rem; font-size: inherit; padding: 0.1rem 0.3rem; }
.gdviz-step .legend { display: flex; gap: 0.9rem; flex-wrap: wrap; color: #333; }
.gdviz-step .legend i { display: inline-block; width: 1.4rem; height: 0.25rem; margin: 0 0.3rem 0.2rem 0;
  vertical-align: middle; border-radius: 2px; background: var(--c); }
.gdviz-step .legend i.dot { width: 0.7rem; height: 0.7rem; border-radius: 50%; }
.gdviz-step .legend i.box { width: 0.9rem; height: 0.9rem; border-radius: 0; background: none;
  border: 2px dotted var(--c); }
.gdviz-step .legend i.diamond { width: 0.6rem; height: 0.6rem; background: none; border: 2px solid var(--c);
  transform: rotate(45deg); border-radius: 0; }
.gdviz-step.big { font-size: 22px; }
.gdviz-step.big button { font-size: 24px; }
"""

_control = st.components.v2.component(
    "gdviz.step_control", html=_STEP_HTML, css=_STEP_CSS, js=_STEP_JS
)


_SHAPES = {"box": "box", "lookahead": "diamond"}


def _legend(kinds: list[str]) -> list[list[str]]:
    """[text, colour, swatch shape] for θ_k and each kind drawn, in the order of ARROWS."""
    return [
        ["θ_k", "#111111", "dot"],
        *[[*ARROWS[kind], _SHAPES.get(kind, "line")] for kind in ARROWS if kind in kinds],
    ]


def step_bar_height(kinds: list[str], projector: bool, width: int) -> int:
    """The control's height: one row, or two when the buttons and the legend (estimated at
    half an em a character, plus each swatch) do not fit in ``width``."""
    font = 22 if projector else 16
    controls = 21 * font  # ◀ ▶ step [k] of N, arrows
    legend = sum(len(text) * 0.5 * font + 2.4 * font for text, _, _ in _legend(kinds))
    row = round(font * 2.4)
    return row if controls + legend <= width else 2 * row + 8


def step_control(
    longest: int, kinds: list[str], projector: bool, start: int, *, arrows: bool = True
) -> int:
    """The control, for runs of up to ``longest`` updates whose arrows are ``kinds`` (without
    ``arrows``, no switch for them: the 3-D scene draws none); returns the step the page shows
    (``start``, a link's, until the browser says otherwise)."""
    legend = _legend(kinds)
    result = _control(
        key="step_control",
        data={
            "longest": longest,
            "k": start,
            "legend": legend,
            "projector": projector,
            "arrows": arrows,
        },
        default={"k": start},
        on_k_change=lambda: None,
    )
    k = getattr(result, "k", None)
    return min(max(int(k), 0), longest) if isinstance(k, int | float) else start


def link_step() -> int:
    """Step mode's step: the link's ``step``, which the step control keeps up to date (0 if
    absent or not a whole number in range: the link's problems say so)."""
    text = st.query_params.get("step")
    if text is None or NUMBERS["step"].problem(text):
        return 0
    return int(float(text))
