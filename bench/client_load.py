"""Client (Chromium): loading the app with 10,000 users stored (1,000 online) and 200 chats, and 5,000 messages.

Two complete local stacks (Azurite in memory, the emulator, the Functions adapter, the SWA CLI)
run side by side: one empty, one seeded directly through `api.state.State` with 10,000 users
stored (findable by name), 1,000 of them online, and 200 group chats of 5 members each.
Playwright drives Chromium (`local.browser`), signed in as a new GitHub user each time the way the
browser tests do (the SWA CLI's auth cookie); on the seeded stack that user is in 10 of the chats.

* Load: navigation start until the app is ready, i.e. the Online Users list shows the user's
  contacts (the other members of their chats, all online) and the user themself, and Group Chats
  shows their chats, taken at the first animation frame after that DOM change. Loads alternate
  between the two stacks (empty, seeded, empty, ...), each in a fresh browser context; the table
  shows medians and the median of the paired ratios.
* Messages: on the seeded stack a user with the chat open receives 5,000 messages sent at 200/s by
  a scripted member; then another user has a different chat open while they arrive, so they only
  count in the busy chat's unread badge in the sidebar. An init script records long tasks
  (`PerformanceObserver` `longtask`) and the gaps between animation frames; a gap of more than 1.5
  frames counts its missing frames as dropped.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

from azure.messaging.webpubsubservice.aio import WebPubSubServiceClient
from playwright.async_api import Browser, async_playwright
from webpubsub_emulator.testing import JSON_PROTOCOL, event_frame

from api.config import StorageSettings
from api.models import Chat, Membership, User
from api.state import State
from bench import wsclient
from bench.report import Row, Section, at_most, median, progress
from bench.servers import raise_fd_limit, start_stack, user_url
from local.browser import LAUNCH_ARGS, chromium_path
from local.harness import gather_bounded, swa_principal
from local.stack import Addresses, Ports

LOAD_TARGET = 1.5
LONG_TASK_TARGET_MS = 100.0
FRAME_MS = 1000 / 60
SEED_CONCURRENCY = 32


@dataclass(frozen=True)
class Sizes:
    stored: int  # users stored, online or not
    users: int  # of which online
    chats: int
    members: int
    loads: int  # per stack
    messages: int
    rate: float


FULL = Sizes(stored=10000, users=1000, chats=200, members=5, loads=5, messages=5000, rate=200.0)
QUICK = Sizes(stored=50, users=20, chats=5, members=2, loads=1, messages=200, rate=200.0)
LOADER_CHATS = 10  # the chats a loading user is in (at most all of them)

INIT_SCRIPT = """
(() => {
  const bench = (window.__bench = { longtasks: [], gaps: [], ready: null, want: __WANT__ });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) bench.longtasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: "longtask", buffered: true });
  let last = 0;
  const tick = (t) => {
    if (last) bench.gaps.push(t - last);
    last = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const met = () =>
    document.querySelector("button.userItem.userSelf") &&
    document.querySelectorAll("button.userItem").length >= bench.want.users &&
    document.querySelectorAll("li.chatItem").length >= bench.want.chats;
  const observer = new MutationObserver(() => {
    if (bench.ready === null && met()) {
      observer.disconnect();
      requestAnimationFrame(() => (bench.ready = performance.now()));
    }
  });
  document.addEventListener("DOMContentLoaded", () =>
    observer.observe(document.body, { childList: true, subtree: true }),
  );
})();
"""


# The SWA CLI keeps what its sign-in form posts in its auth cookie: both roles, as for a real sign-in.
SIGNED_IN = ("anonymous", "authenticated")


@dataclass
class Site(Addresses):
    name: str
    ports: Ports
    state: State
    users: int = 0
    chats: int = 0
    busy_chat: str = ""
    quiet_chat: str = ""
    online: list[wsclient.Socket] = field(default_factory=list)
    members: dict[str, set[str]] = field(default_factory=dict)  # chat id -> its seeded members

    def wanted(self, chat_ids: list[str]) -> tuple[int, int]:
        """What the app lists once ready for a user in these chats: themself and the members (online), the chats."""
        return 1 + len(set().union(*(self.members[c] for c in chat_ids))), len(chat_ids)


async def start_site(name: str, exits: AsyncExitStack) -> Site:
    local = await start_stack(exits, f"client_load-{name}", swa=True)
    state = State.from_settings(StorageSettings(local.storage_connection_string, None))
    exits.push_async_callback(state.close)
    await state.ensure_tables()
    return Site(name, local.ports, state)


async def join(state: State, chat_id: str, user_id: str, name: str) -> None:
    """A membership as `joinChat` stores it: in the user's partition and in the chat's own member list."""
    await state.add_member(Membership(chat_id, user_id, name))
    await state.index_member(Membership(chat_id, user_id, name))


async def seed(site: Site, sizes: Sizes) -> None:
    """Online users (a profile with an open connection each) and group chats with a few members each."""
    users = [(f"seeded-{i:05d}", f"User {i:04d}") for i in range(sizes.users)]

    # Really connected and announced (`userConnected`), so they are listed and presence repair keeps them.
    await gather_bounded([site.state.save_profile(uid, name, "github") for uid, name in users], SEED_CONCURRENCY)
    urls = [user_url(site.ports.pubsub, uid) for uid, _ in users]
    site.online = await wsclient.connect_many(urls, (JSON_PROTOCOL,), None, first_frame=True, batch=50)
    announce = json.dumps(event_frame("userConnected", {}))
    for socket in site.online:
        socket.send_text(announce)
    deadline = time.monotonic() + 300
    while len((await site.state.list_online(None, len(users)))[0]) < len(users):
        if time.monotonic() > deadline:
            raise RuntimeError("the seeded users' `userConnected` events were not all handled within 300 s")
        await asyncio.sleep(0.2)
    chats = [Chat(str(uuid.uuid4()), f"Chat number {i}", users[i % len(users)][0]) for i in range(sizes.chats)]
    jobs: list[Any] = [site.state.create_chat(c) for c in chats]
    for index, chat in enumerate(chats):
        site.members[chat.id] = set()
        for k in range(sizes.members):
            uid, name = users[(index * sizes.members + k) % len(users)]
            site.members[chat.id].add(uid)
            jobs.append(join(site.state, chat.id, uid, name))
    offline = [User(f"stored-{i:05d}", f"Stored {i:05d}", "github") for i in range(sizes.stored - sizes.users)]
    jobs += [site.state.save_profile(u.id, u.name, u.provider) for u in offline]
    jobs += [site.state.index_user_name(u, None) for u in offline]
    await gather_bounded(jobs, SEED_CONCURRENCY)
    site.users, site.chats, site.busy_chat, site.quiet_chat = sizes.users, sizes.chats, chats[0].id, chats[1].id


async def _page(browser: Browser, site: Site, user_id: str, name: str, want_users: int, want_chats: int):
    context = await browser.new_context(base_url=site.swa_url, viewport={"width": 1280, "height": 900})
    cookie = swa_principal(user_id, name, roles=SIGNED_IN)
    await context.add_cookies([{"name": "StaticWebAppsAuthCookie", "value": cookie, "url": site.swa_url}])
    want = json.dumps({"users": want_users, "chats": want_chats})
    await context.add_init_script(INIT_SCRIPT.replace("__WANT__", want))
    page = await context.new_page()
    await page.goto("/")
    await page.wait_for_function("() => window.__bench && window.__bench.ready !== null", timeout=120_000)
    return context, page


async def load_once(browser: Browser, site: Site) -> dict[str, float]:
    """One cold load of the app in a fresh context; milliseconds since navigation start."""
    user_id = f"loader-{uuid.uuid4().hex[:10]}"
    mine = list(site.members)[:LOADER_CHATS]
    await site.state.save_profile(user_id, "Loader", "github")
    await gather_bounded([join(site.state, c, user_id, "Loader") for c in mine], SEED_CONCURRENCY)
    context, page = await _page(browser, site, user_id, "Loader", *site.wanted(mine))
    try:
        result = await page.evaluate(
            """() => {
              const nav = performance.getEntriesByType("navigation")[0];
              const tasks = window.__bench.longtasks.filter((t) => t.start <= window.__bench.ready);
              return {
                ready: window.__bench.ready,
                domContentLoaded: nav.domContentLoadedEventEnd,
                load: nav.loadEventEnd,
                longestTask: Math.max(0, ...tasks.map((t) => t.duration)),
                users: document.querySelectorAll("button.userItem").length,
                chats: document.querySelectorAll("li.chatItem").length,
              };
            }"""
        )
    finally:
        await context.close()
    return result


async def loads(browser: Browser, empty: Site, seeded: Site, count: int) -> dict[str, list[dict[str, float]]]:
    results: dict[str, list[dict[str, float]]] = {"empty": [], "seeded": []}
    await load_once(browser, empty)  # warm-up: the SWA CLI and the backend see their first requests
    await load_once(browser, seeded)
    for number in range(count):
        pair = [("empty", empty), ("seeded", seeded)]
        for name, site in pair if number % 2 == 0 else pair[::-1]:
            results[name].append(await load_once(browser, site))
        progress(
            f"client load {number + 1}/{count}: empty {results['empty'][-1]['ready']:.0f} ms, "
            f"seeded {results['seeded'][-1]['ready']:.0f} ms"
        )
    return results


class Publisher:
    """What the backend sends the busy chat's group for each message a member says, as the server sends it.

    Only the server publishes to a chat, so this stands in for it: numbered entries through the
    service's REST API (the browser believes them only from there), at whatever rate the run asks.
    """

    def __init__(self, site: Site) -> None:
        self.site = site
        self.user_id = f"publisher-{uuid.uuid4().hex[:8]}"
        self.service = WebPubSubServiceClient.from_connection_string(site.pubsub_connection_string, hub="chat")

    async def start(self) -> None:
        await self.site.state.save_profile(self.user_id, "Publisher", "github")
        await join(self.site.state, self.site.busy_chat, self.user_id, "Publisher")

    async def close(self) -> None:
        await self.service.close()

    async def post(self, number: int) -> None:
        text = f"Message {number}: the quick brown fox jumps over the lazy dog"
        if number % 10 == 0:
            text += " https://example.com/docs?page=" + str(number)
        chat = self.site.busy_chat
        entry = {"chatId": chat, "seq": number + 1, "kind": "message", "fromUserId": self.user_id, "id": f"m{number}"}
        entry.update(text=text, mentions=[], time=int(time.time() * 1000), changed=0)
        await self.service.send_to_group(chat, {"entry": entry}, content_type="application/json")


async def message_storm(browser: Browser, site: Site, sizes: Sizes, background: bool) -> dict[str, Any]:
    """The busy chat open, or (`background`) another chat open while the busy one counts unread in the sidebar."""
    reader = f"reader-{uuid.uuid4().hex[:8]}"
    await site.state.save_profile(reader, "Reader", "github")
    await join(site.state, site.busy_chat, reader, "Reader")
    if background:
        await join(site.state, site.quiet_chat, reader, "Reader")
    mine = [site.busy_chat, site.quiet_chat] if background else [site.busy_chat]
    context, page = await _page(browser, site, reader, "Reader", *site.wanted(mine))
    try:
        await page.wait_for_selector(f'.chatItem.isJoined[data-chat-id="{site.busy_chat}"]')  # lists loaded, member
        front = site.quiet_chat if background else site.busy_chat
        await page.locator(f'.chatItem[data-chat-id="{front}"] .chatLink').click()
        await page.wait_for_selector(f'.chatItem[data-chat-id="{front}"] .chatLink[aria-current=true]')
        await page.wait_for_selector(f'.conversation[data-chat-id="{front}"] .composerInput')
        publisher = Publisher(site)
        try:
            await publisher.start()
            await page.evaluate("() => { window.__bench.longtasks = []; window.__bench.gaps = []; }")
            started = time.monotonic()
            next_at = started
            for number in range(sizes.messages):
                next_at += 1 / sizes.rate
                delay = next_at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                await publisher.post(number)
            sent = time.monotonic() - started
            if background:  # every message counted in the busy chat's badge
                badge = f'.chatItem[data-chat-id="{site.busy_chat}"] .unread[data-unread="{sizes.messages}"]'
                await page.wait_for_selector(badge, state="attached", timeout=120_000)
            else:
                await page.wait_for_function(
                    "(last) => [...document.querySelectorAll('.msgText')].some((m) => m.textContent.startsWith(last))",
                    arg=f"Message {sizes.messages - 1}:",
                    timeout=120_000,
                )
            shown = time.monotonic() - started
        finally:
            await publisher.close()
        metrics = await page.evaluate(
            """(frame) => {
              const b = window.__bench;
              const dropped = b.gaps.reduce((n, g) => n + Math.max(0, Math.round(g / frame) - 1), 0);
              return {
                longtasks: b.longtasks.length,
                longestTask: Math.max(0, ...b.longtasks.map((t) => t.duration)),
                longTaskMs: b.longtasks.reduce((n, t) => n + t.duration, 0),
                frames: b.gaps.length,
                dropped,
                longestGap: Math.max(0, ...b.gaps),
                medianGap: [...b.gaps].sort((x, y) => x - y)[Math.floor(b.gaps.length / 2)] ?? 0,
                shown: document.querySelectorAll(".msgText").length,
              };
            }""",
            FRAME_MS,
        )
    finally:
        await context.close()
    metrics.update({"send_seconds": sent, "shown_seconds": shown, "messages": sizes.messages, "rate": sizes.rate})
    return metrics


def _storm_rows(storm: dict[str, Any], sizes: Sizes, where: str, arrived: str) -> list[Row]:
    frames = storm["frames"] + storm["dropped"]
    return [
        Row(
            f"longest main-thread task, {sizes.messages:,} messages at {sizes.rate:g}/s to {where}",
            storm["longestTask"],
            "ms",
            target=f"<= {LONG_TASK_TARGET_MS:g} ms",
            met=at_most(storm["longestTask"], LONG_TASK_TARGET_MS),
            note=f"{storm['longtasks']} tasks over 50 ms",
        ),
        Row(
            f"dropped frames, messages to {where}",
            storm["dropped"],
            "",
            note=f"of {frames:,} ({100 * storm['dropped'] / max(frames, 1):.1f} %); "
            f"longest frame gap {storm['longestGap']:.0f} ms",
        ),
        Row(
            f"{arrived}, messages to {where}",
            storm["shown_seconds"],
            "s",
            note=f"after the first was sent; sending took {storm['send_seconds']:.1f} s",
        ),
    ]


async def run(quick: bool) -> Section:
    sizes = QUICK if quick else FULL
    section = Section(
        "client_load",
        f"Client (Chromium): {sizes.stored:,} users stored ({sizes.users:,} online) and {sizes.chats} chats; "
        f"{sizes.messages:,} messages at "
        f"{sizes.rate:g}/s",
        notes=[
            f"load: {sizes.loads} alternating cold loads per stack after one warm-up each, median and median of "
            "paired ratios; messages (to the open chat, then to a chat in the sidebar while another is open): "
            "long tasks and animation-frame gaps recorded in the page"
        ],
    )
    raise_fd_limit(4096)
    async with AsyncExitStack() as exits:
        progress("client: starting two stacks (empty and seeded)")
        empty, seeded = await asyncio.gather(start_site("empty", exits), start_site("seeded", exits))
        await seed(seeded, sizes)
        exits.push_async_callback(wsclient.close_all, seeded.online)
        driver = await exits.enter_async_context(async_playwright())
        browser = await driver.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)
        exits.push_async_callback(browser.close)
        timings = await loads(browser, empty, seeded, sizes.loads)
        progress("client: messages to the open chat")
        storm = await message_storm(browser, seeded, sizes, background=False)
        progress("client: messages to a chat in the background")
        behind = await message_storm(browser, seeded, sizes, background=True)
    empty_ready = [r["ready"] for r in timings["empty"]]
    seeded_ready = [r["ready"] for r in timings["seeded"]]
    ratio = median([s / e for s, e in zip(seeded_ready, empty_ready, strict=True)])
    load_task = max(r["longestTask"] for r in timings["seeded"])
    section.raw = {"sizes": sizes.__dict__, "loads": timings, "messages": storm, "background_messages": behind}
    section.add(
        Row(
            f"app ready, {sizes.stored:,} users + {sizes.chats} chats stored vs empty",
            median(seeded_ready),
            "ms",
            median(empty_ready),
            ratio,
            f"<= {LOAD_TARGET}x empty",
            at_most(ratio, LOAD_TARGET),
        ),
        Row(
            "DOMContentLoaded, seeded vs empty",
            median([r["domContentLoaded"] for r in timings["seeded"]]),
            "ms",
            median([r["domContentLoaded"] for r in timings["empty"]]),
        ),
        Row("longest main-thread task while loading the seeded app", load_task, "ms"),
        *_storm_rows(storm, sizes, "the open chat", "last message on screen"),
        *_storm_rows(behind, sizes, "a background chat", "last message counted in its unread badge"),
    )
    return section


if __name__ == "__main__":
    from bench.__main__ import main

    sys.exit(main(["--only", "client_load", *sys.argv[1:]]))
