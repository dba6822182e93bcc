/** The dev phone's stylesheet: WhatsApp Web's palette and proportions, no external fonts or images. */
export const PAGE_CSS = String.raw`
:root {
  --green: #008069; --green-dark: #005c4b; --out: #d9fdd3; --in: #ffffff; --chat: #efeae2;
  --panel: #f0f2f5; --line: #e9edef; --text: #111b21; --muted: #667781; --tick: #8696a0;
  --blue: #53bdeb; --red: #ea0038;
}
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body {
  font: 14.2px/1.4 "Segoe UI", "Helvetica Neue", Helvetica, "Lucida Grande", Arial, Ubuntu, Cantarell, "Fira Sans", sans-serif;
  color: var(--text); background: #d1d7db;
}
button, input, select { font: inherit; color: inherit; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.app { display: grid; grid-template-columns: minmax(300px, 30%) 1fr; height: 100vh; max-width: 1600px; margin: 0 auto; background: #fff; box-shadow: 0 6px 18px rgba(11,20,26,.05); }
.side { display: flex; flex-direction: column; border-right: 1px solid var(--line); min-height: 0; background: #fff; }
.side-head, .chat-head { height: 60px; flex: none; display: flex; align-items: center; gap: 12px; padding: 0 16px; background: var(--panel); }
.brand { display: flex; align-items: center; gap: 10px; font-weight: 600; font-size: 16px; flex: 1; }
.logo { width: 36px; height: 36px; border-radius: 50%; background: var(--green); color: #fff; display: grid; place-items: center; }
.tool { border: 0; background: transparent; border-radius: 18px; padding: 6px 10px; color: #54656f; cursor: pointer; font-size: 13px; }
.tool:hover, .tool[aria-expanded="true"] { background: rgba(11,20,26,.08); }
.search { padding: 7px 12px; border-bottom: 1px solid var(--line); }
.search input { width: 100%; border: 0; border-radius: 8px; background: var(--panel); padding: 8px 12px 8px 36px; outline: none;
  background-image: url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='16' height='16' viewBox='0 0 24 24' fill='none' stroke='%2354656f' stroke-width='2.2' stroke-linecap='round'%3E%3Ccircle cx='10.5' cy='10.5' r='6.5'/%3E%3Cpath d='M20 20l-4.7-4.7'/%3E%3C/svg%3E");
  background-repeat: no-repeat; background-position: 12px center; }
.faults { padding: 12px 16px; background: #fffbea; border-bottom: 1px solid #f1e4b3; font-size: 13px; display: grid; gap: 8px; }
.faults[hidden] { display: none; }
.faults h2 { font-size: 13px; margin: 0; color: #6b5a12; text-transform: uppercase; letter-spacing: .04em; }
.faults .row2 { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; }
.faults select, .faults input { border: 1px solid #d9cf9f; border-radius: 6px; background: #fff; padding: 4px 6px; }
.faults input[type=number] { width: 70px; }
.faults button, .primary { border: 0; border-radius: 6px; padding: 5px 10px; background: var(--green); color: #fff; cursor: pointer; }
.faults button.danger { background: var(--red); }
.armed { margin: 0; padding: 0; list-style: none; color: #6b5a12; }
.armed li::before { content: "\26A1 "; }
.list { list-style: none; margin: 0; padding: 0; overflow-y: auto; flex: 1; }
.conv { width: 100%; border: 0; background: #fff; display: flex; gap: 12px; align-items: center; padding: 0 0 0 13px; height: 72px; cursor: pointer; text-align: left; }
.conv:hover { background: #f5f6f6; }
.conv[aria-current="true"] { background: var(--panel); }
.avatar { width: 49px; height: 49px; border-radius: 50%; flex: none; background: #dfe5e7; display: grid; place-items: center; color: #fff; overflow: hidden; }
.avatar svg { width: 49px; height: 49px; }
.conv-body { flex: 1; min-width: 0; height: 100%; border-bottom: 1px solid var(--line); display: flex; flex-direction: column; justify-content: center; padding-right: 15px; }
.conv-top, .conv-bottom { display: flex; align-items: center; gap: 6px; }
.conv-name { flex: 1; font-size: 17px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.conv-time { font-size: 12px; color: var(--muted); }
.conv-preview { flex: 1; font-size: 14px; color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; display: flex; align-items: center; gap: 3px; }
.badge { font-size: 11px; border-radius: 9px; padding: 1px 7px; background: #e7f3ef; color: var(--green-dark); white-space: nowrap; }
.badge.wolkvox { background: #eef0fb; color: #3b4aa8; }
.badge.whatsapp-cloud { background: #e8f1fd; color: #1b5fb8; }
.chat { display: flex; flex-direction: column; min-width: 0; min-height: 0; background-color: var(--chat);
  background-image: radial-gradient(rgba(11,20,26,.045) 1.2px, transparent 1.2px), radial-gradient(rgba(11,20,26,.03) 1px, transparent 1px);
  background-size: 22px 22px, 22px 22px; background-position: 0 0, 11px 11px; }
.chat-title { flex: 1; min-width: 0; }
.chat-title .name { font-size: 16px; }
.chat-title .sub { font-size: 13px; color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.window { font-size: 12px; border-radius: 10px; padding: 2px 9px; background: #fff; color: var(--muted); }
.window.open { background: #d9fdd3; color: var(--green-dark); }
.messages { flex: 1; overflow-y: auto; padding: 20px 7% 12px; display: flex; flex-direction: column; gap: 2px; }
.empty { margin: auto; background: rgba(255,255,255,.92); border-radius: 12px; padding: 24px 28px; max-width: 520px; text-align: center; color: var(--muted); box-shadow: 0 1px .5px rgba(11,20,26,.13); }
.empty h1 { font-size: 22px; font-weight: 400; color: var(--text); margin: 0 0 8px; }
.empty code { display: block; margin-top: 6px; font-size: 12.5px; color: var(--text); background: var(--panel); border-radius: 6px; padding: 4px 8px; word-break: break-all; }
.day { align-self: center; background: #fff; color: var(--muted); font-size: 12.5px; border-radius: 7.5px; padding: 5px 12px; margin: 8px 0; box-shadow: 0 1px .5px rgba(11,20,26,.13); }
.row { display: flex; position: relative; margin-top: 6px; }
.row.out { justify-content: flex-end; }
.bubble { position: relative; max-width: min(65%, 560px); padding: 6px 7px 8px 9px; border-radius: 7.5px; box-shadow: 0 1px .5px rgba(11,20,26,.13); word-wrap: break-word; white-space: pre-wrap; }
.out .bubble { background: var(--out); border-top-right-radius: 0; }
.in .bubble { background: var(--in); border-top-left-radius: 0; }
.out .bubble::after, .in .bubble::after { content: ""; position: absolute; top: 0; width: 8px; height: 13px; }
.out .bubble::after { right: -8px; background: linear-gradient(to bottom left, var(--out) 50%, transparent 50%); }
.in .bubble::after { left: -8px; background: linear-gradient(to bottom right, var(--in) 50%, transparent 50%); }
.bubble.refused { background: #fff; border: 1px solid #f5c2cd; }
.bubble.refused::after { display: none; }
.meta { float: right; display: inline-flex; align-items: center; gap: 3px; margin: 8px 0 -6px 12px; font-size: 11px; color: var(--muted); white-space: nowrap; }
.tick { display: inline-flex; color: var(--tick); }
.tick.read { color: var(--blue); }
.tick.failed, .tick.rejected, .tick.deleted { color: var(--red); }
.template { border-left: 3px solid var(--green); padding: 2px 0 2px 8px; margin-bottom: 4px; }
.template .label { font-size: 11.5px; text-transform: uppercase; letter-spacing: .05em; color: var(--green); font-weight: 600; }
.template .tname { font-weight: 600; }
.vars { margin: 4px 0 0; padding: 0; list-style: none; font-size: 13px; }
.vars b { color: var(--muted); font-weight: 400; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
.image img { display: block; max-width: 100%; max-height: 320px; border-radius: 5px; margin-bottom: 4px; }
.image a, .link { color: #027eb5; word-break: break-all; }
.noimage { font-size: 12px; color: var(--muted); }
.attempt { color: var(--muted); }
.error { margin-top: 6px; padding: 6px 8px; border-radius: 6px; background: #fde8ec; color: #a1002c; font-size: 12.5px; white-space: normal; }
.error b { display: block; }
.moves { position: absolute; right: 100%; top: 0; padding: 2px 14px 2px 0; display: flex; gap: 4px; opacity: 0; transition: opacity .12s; white-space: normal; }
.bubble:hover .moves, .bubble:focus-within .moves { opacity: 1; }
.moves button { border: 0; border-radius: 12px; padding: 3px 9px; font-size: 12px; background: rgba(255,255,255,.95); box-shadow: 0 1px 2px rgba(11,20,26,.2); cursor: pointer; white-space: nowrap; }
.moves button:hover { background: #fff; color: var(--green); }
.composer { flex: none; display: flex; gap: 8px; align-items: center; padding: 8px 16px; background: var(--panel); }
.composer input { flex: 1; border: 0; border-radius: 8px; padding: 11px 14px; background: #fff; outline: none; }
.composer button { width: 42px; height: 42px; border: 0; border-radius: 50%; background: var(--green); color: #fff; display: grid; place-items: center; cursor: pointer; }
.composer[hidden] { display: none; }
.composer .as { font-size: 12px; color: var(--muted); white-space: nowrap; }
`;
