"""One simulated browser session of the app, speaking Streamlit's own protocol (no browser).

What a browser does, as read from Streamlit 1.67's frontend and checked against the frames
headless chromium sends (captured with Playwright's ``framesent`` on this app, 2026-11-30):

* it loads the page (``GET /?link``), pings ``/_stcore/health`` and ``/_stcore/host-config``,
  then opens the websocket ``/_stcore/stream`` with the subprotocol ``streamlit`` and the
  page's cookies in the handshake (where ``st.context.cookies`` reads them);
* the first message is a ``BackMsg.rerun_script`` (a ``ClientState``) with the link's query
  string, no page hash and no widget states; the run is over at a ``ForwardMsg`` with
  ``script_finished`` (``FINISHED_EARLY_FOR_RERUN`` means another run follows);
* a widget change is another ``rerun_script`` carrying the state of *every* widget on the page
  (each as the widget put it when it mounted, or as the user last set it), the page hash the
  server sent in ``new_session``, the query string as the page now has it (widgets bound to
  the URL write their value into it at once; the server rewrites it in ``page_info_changed``),
  and the hashes of the large messages it keeps, which the server then sends as references
  (``ref_hash``) instead of again. Buttons, components and charts send a state only when
  used, so this client sends none for them.

Sessions carry the cookie of a browser that has visited before at 1600×1000 with the sidebar
open (``gdviz_screen``, written by ``gdviz/ui/screen.py``'s component): the app then draws the
page at once instead of holding a first visit until the window reports its size. Behind nginx
the cookie nginx gives on the first ``GET`` (``gdviz_route``) goes back with every request.

Only what the measurement needs is read: which elements are widgets (and their values), whether
an exception or an error message was drawn, the query string, the end of a run.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode, urlsplit

import h11
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

# A returning browser at 1600×1000: what chromium's cookie holds after a first visit there
# (the main column's inner width with the sidebar open, the window's height rounded to 16 px).
SCREEN_COOKIE = "%7B%22width%22%3A1264%2C%22height%22%3A992%2C%22top%22%3A0%7D"
# A reply bigger than this is not a page of this app (a figure message is about 0.4 MB).
MAX_MESSAGE_BYTES = 64 * 2**20
_FINISHED_EARLY = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
_COMPILE_ERROR = ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR
_ERROR_ALERT = 1  # streamlit.proto.Alert.Format.ERROR


class SessionError(Exception):
    """A run that did not end as a browser would see it end (the connection closed, an HTTP
    error, a script that could not compile)."""


@dataclass
class Problems:
    """What one run drew that a student would call broken."""

    exceptions: list[str] = field(default_factory=list)
    error_messages: list[str] = field(default_factory=list)


@dataclass
class _Widget:
    """One widget as the page holds it: its state, the URL parameter it is bound to."""

    state: WidgetState
    query_key: str


class Session:
    """One browser tab on the app at ``base_url`` (``http://127.0.0.1:PORT``)."""

    def __init__(self, base_url: str, link: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.query_string = link.lstrip("?")
        self.cookies = {"gdviz_screen": SCREEN_COOKIE}
        self.widgets: dict[str, _Widget] = {}
        self.page_hash = ""
        self.runs = 0
        self._websocket: websockets.ClientConnection | None = None
        self._seen: set[str] = set()
        self._cache: dict[str, tuple[bytes, int]] = {}  # hash -> (message, run it was last used)
        self._cache_age = 2

    # -- what a student does -----------------------------------------------------------------

    async def open(self) -> Problems:
        """Load the page and wait for its first run to end."""
        await self._get(f"/?{self.query_string}" if self.query_string else "/")
        await self._get("/_stcore/health")
        await self._get("/_stcore/host-config")
        address = urlsplit(self.base_url)
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        self._websocket = await websockets.connect(
            f"ws://{address.netloc}/_stcore/stream",
            subprotocols=[websockets.Subprotocol("streamlit")],
            additional_headers={"Cookie": cookie},
            max_size=MAX_MESSAGE_BYTES,
            compression=None,
        )
        return await self._rerun(first=True)

    async def change(self, key: str, value: str | float) -> Problems:
        """Set the widget with user key ``key`` to ``value`` (a text box's text, a number
        input's number), as typing and pressing Enter would, and wait for the rerun."""
        widget = self.widget(key)
        kind = widget.state.WhichOneof("value")
        if kind == "string_value":
            widget.state.string_value = str(value)
        elif kind == "int_value":
            widget.state.int_value = int(value)
        else:
            widget.state.double_value = float(value)
        if widget.query_key:  # a bound widget writes itself into the address bar at once
            pairs = [(k, v) for k, v in parse_qsl(self.query_string) if k != widget.query_key]
            self.query_string = urlencode([(widget.query_key, str(value)), *pairs])
        return await self._rerun()

    def widget(self, key: str) -> _Widget:
        """The widget whose user key is ``key`` (its id ends in ``-key``)."""
        for widget_id, widget in self.widgets.items():
            if widget_id.endswith(f"-{key}"):
                return widget
        raise SessionError(f"no widget with key {key!r} on the page ({self.query_string!r})")

    def value(self, key: str) -> str | float | None:
        """The value the page holds for the widget with user key ``key`` (None: empty)."""
        state = self.widget(key).state
        kind = state.WhichOneof("value")
        return None if kind is None else getattr(state, kind)

    def has_widget(self, key: str) -> bool:
        return any(widget_id.endswith(f"-{key}") for widget_id in self.widgets)

    async def _get(self, path: str) -> None:
        """A GET as the page's loading makes it, keeping the cookies the answer sets."""
        status, set_cookies = await _http_get(self.base_url, path, self.cookies)
        if status != 200:
            raise SessionError(f"GET {path} answered {status}")
        for header in set_cookies:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value

    async def close(self) -> None:
        if self._websocket is not None:
            await self._websocket.close()
            self._websocket = None

    # -- the protocol --------------------------------------------------------------------------

    async def _rerun(self, first: bool = False) -> Problems:
        assert self._websocket is not None
        message = BackMsg()
        rerun = message.rerun_script
        rerun.query_string = self.query_string
        rerun.page_script_hash = self.page_hash
        if not first:
            rerun.widget_states.widgets.extend(w.state for w in self.widgets.values())
            rerun.cached_message_hashes.extend(self._cache)
        context = rerun.context_info
        context.timezone, context.locale, context.color_scheme = "UTC", "en-US", "light"
        context.url = f"{self.base_url}/"
        await self._websocket.send(message.SerializeToString())
        problems = Problems()
        self._seen = set()
        while True:
            try:
                data = await self._websocket.recv()
            except websockets.ConnectionClosed as error:
                raise SessionError(f"the server closed the websocket: {error}") from error
            reply = ForwardMsg()
            reply.ParseFromString(data)
            if self._read(reply, data if isinstance(data, bytes) else data.encode(), problems):
                self.runs += 1
                return problems

    def _read(self, reply: ForwardMsg, data: bytes, problems: Problems) -> bool:
        """Take in one server message; True at the end of the run."""
        kind = reply.WhichOneof("type")
        if kind == "ref_hash":
            cached = self._cache.get(reply.ref_hash)
            if cached is None:
                raise SessionError(
                    f"the server referred to a message never sent ({reply.ref_hash})"
                )
            self._cache[reply.ref_hash] = (cached[0], self.runs)
            reply = ForwardMsg()
            reply.ParseFromString(cached[0])
            kind = reply.WhichOneof("type")
        elif reply.metadata.cacheable:  # kept, or its age reset when it comes again
            self._cache[reply.hash] = (data, self.runs)
        if kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
            self._element(reply.delta.new_element, problems)
        elif kind == "new_session":
            self.page_hash = reply.new_session.page_script_hash
            self._cache_age = reply.new_session.config.max_cached_message_age or 2
        elif kind == "page_info_changed":
            self.query_string = reply.page_info_changed.query_string
        elif kind == "script_finished":
            status = reply.script_finished
            if status == _COMPILE_ERROR:
                raise SessionError("the app's script did not compile")
            if status == _FINISHED_EARLY:
                return False
            # The frontend forgets widgets the finished run did not draw, and cached messages
            # no run has used for max_cached_message_age runs.
            self.widgets = {k: w for k, w in self.widgets.items() if k in self._seen}
            self._cache = {
                h: (m, used)
                for h, (m, used) in self._cache.items()
                if self.runs - used < self._cache_age
            }
            return True
        return False

    def _element(self, element, problems: Problems) -> None:
        """A widget's state as the frontend keeps it; exceptions and error messages."""
        kind = element.WhichOneof("type")
        if kind == "exception":
            problems.exceptions.append(f"{element.exception.type}: {element.exception.message}")
            return
        if kind == "alert":
            if element.alert.format == _ERROR_ALERT:
                problems.error_messages.append(element.alert.body)
            return
        if kind not in _MOUNTED_STATE:
            return
        proto = getattr(element, kind)
        self._seen.add(proto.id)
        known = self.widgets.get(proto.id)
        # A widget keeps the value the page holds for it unless the server sets a new one.
        if known is None or getattr(proto, "set_value", False):
            state = WidgetState(id=proto.id)
            _MOUNTED_STATE[kind](proto, state)
            self.widgets[proto.id] = _Widget(state, getattr(proto, "query_param_key", ""))


def _text(proto, state: WidgetState) -> None:
    if proto.set_value and proto.HasField("value"):
        state.string_value = proto.value
    elif proto.HasField("default"):
        state.string_value = proto.default


def _number(proto, state: WidgetState) -> None:
    value = proto.value if proto.set_value and proto.HasField("value") else None
    if value is None and proto.HasField("default"):
        value = proto.default
    if value is None:  # an empty number input: a state with no value, as the frontend sends
        return
    if proto.data_type == proto.INT:
        state.int_value = int(value)
    else:
        state.double_value = value


def _choice(proto, state: WidgetState) -> None:
    if proto.set_value and proto.HasField("raw_value"):
        state.string_value = proto.raw_value
    elif proto.HasField("default"):
        state.string_value = proto.options[proto.default]


def _checkbox(proto, state: WidgetState) -> None:
    state.bool_value = proto.value if proto.set_value else proto.default


def _slider(proto, state: WidgetState) -> None:
    if proto.options:  # st.select_slider: the chosen options' labels
        labels = list(proto.raw_value) if proto.set_value and proto.raw_value else None
        state.string_array_value.data.extend(
            labels
            or [proto.options[int(i)] for i in (proto.value if proto.set_value else proto.default)]
        )
    else:
        state.double_array_value.data.extend(proto.value if proto.set_value else proto.default)


def _multiselect(proto, state: WidgetState) -> None:
    labels = (
        list(proto.raw_values) if proto.set_value else [proto.options[i] for i in proto.default]
    )
    state.string_array_value.data.extend(labels)


def _uploader(proto, state: WidgetState) -> None:
    state.file_uploader_state_value.SetInParent()  # no file yet


# The widgets whose state the frontend sets as they mount, and how (the ones this app draws).
_MOUNTED_STATE = {
    "text_input": _text,
    "text_area": _text,
    "number_input": _number,
    "selectbox": _choice,
    "radio": _choice,
    "checkbox": _checkbox,
    "slider": _slider,
    "multiselect": _multiselect,
    "file_uploader": _uploader,
}


# -- a page load over HTTP (h11, Streamlit's own server stack's HTTP/1.1 library) -------------


async def _http_get(base_url: str, path: str, cookies: dict[str, str]) -> tuple[int, list[str]]:
    """GET ``path``: the status and the Set-Cookie headers; the body is read and dropped."""
    address = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    connection = h11.Connection(h11.CLIENT)
    headers = [("Host", address.netloc), ("Connection", "close")]
    if cookies:
        headers.append(("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items())))
    try:
        writer.write(connection.send(h11.Request(method="GET", target=path, headers=headers)))
        writer.write(connection.send(h11.EndOfMessage()))
        await writer.drain()
        status, set_cookies = 0, []
        while True:
            event = connection.next_event()
            if event is h11.NEED_DATA:
                connection.receive_data(await reader.read(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
                set_cookies = [v.decode() for k, v in event.headers if k == b"set-cookie"]
            elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                return status, set_cookies
    finally:
        writer.close()
