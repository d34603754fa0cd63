"""Keeping the 3-D view's camera when only the rates change.

Plotly keeps a dragged camera across redraws when ``uirevision`` is unchanged, but Streamlit
cannot let it: a chart's element id hashes its figure, so new paths give the chart a new id and
the page mounts a fresh plot, drawn from the figure's own camera. A tiny ``st.components.v2``
component (no iframe: its script runs in the page) remembers the last camera the user chose
for a scene, by the scene's ``uirevision``, and puts it back on the fresh plot. A new surface
or view has a new ``uirevision`` and starts from its own camera.
"""

from __future__ import annotations

import streamlit as st

_KEEP_JS = """
export default function (component) {
    const memory = (window.__gdvizCamera ??= { revision: null, camera: null });
    const scene = () => Array.from(document.querySelectorAll('.js-plotly-plot'))
        .find(p => p._fullLayout && p._fullLayout.scene && typeof p.on === 'function');
    const hook = () => {
        const plot = scene();
        if (!plot || plot.__gdvizCameraHooked) return;
        plot.__gdvizCameraHooked = true;
        const revision = String(plot.layout.uirevision);
        if (memory.revision === revision && memory.camera && window.Plotly) {
            window.Plotly.relayout(plot, { 'scene.camera': memory.camera });
        }
        plot.on('plotly_relayout', change => {
            if (change && change['scene.camera']) {
                memory.revision = String(plot.layout.uirevision);
                memory.camera = JSON.parse(JSON.stringify(change['scene.camera']));
            }
        });
    };
    hook();
    const timer = setInterval(hook, 250);
    return () => clearInterval(timer);
}
"""

_keep = st.components.v2.component("gdviz.keep_camera", js=_KEEP_JS)


def keep_camera() -> None:
    """Put back the camera the user last chose on the 3-D scene, if it shows the same
    landscape (same ``uirevision``) as when they chose it."""
    _keep(key="keep_camera")
