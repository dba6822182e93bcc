import { PAGE_JS } from './client.js';
import { PAGE_CSS } from './style.js';

/**
 * The dev-phone page: one self-contained HTML document (styles and script inline), served at
 * the simulator's root URL to browsers. Works offline: it loads nothing from anywhere else.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley dev phone</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<div class="app">
  <aside class="side" aria-label="Conversations">
    <header class="side-head">
      <div class="brand"><span class="logo"><svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path fill="currentColor" d="M12 2a10 10 0 0 0-8.6 15.1L2 22l5-1.3A10 10 0 1 0 12 2zm0 2a8 8 0 1 1-4.1 14.9l-.3-.2-3 .8.8-2.9-.2-.3A8 8 0 0 1 12 4z"/></svg></span>Parley dev phone</div>
      <button type="button" class="tool" id="faults-btn" aria-expanded="false" aria-controls="faults">Faults</button>
      <button type="button" class="tool" id="clear-btn">Clear all</button>
    </header>
    <section id="faults" class="faults" hidden aria-label="Faults">
      <h2>Fail the next requests</h2>
      <div class="row2">
        <select id="fault-provider" aria-label="Fault provider"><option value="decisiontelecom">DecisionTelecom</option><option value="wolkvox">Wolkvox</option><option value="whatsapp-cloud">WhatsApp Cloud API</option></select>
        <select id="fault-kind" aria-label="Fault kind"></select>
        <label>× <input id="fault-times" type="number" min="1" value="1" aria-label="Fault times"></label>
        <button type="button" id="fault-arm">Fail next</button>
      </div>
      <ul class="armed" id="armed" aria-label="Armed faults"></ul>
      <h2>Latency</h2>
      <div class="row2"><label>Every answer after <input id="latency" type="number" min="0" value="0" aria-label="Latency in ms"> ms</label><button type="button" id="latency-set">Set latency</button></div>
    </section>
    <div class="search"><input id="search" type="search" placeholder="Search by number or text" aria-label="Search conversations" autocomplete="off"></div>
    <ul class="list" id="conversations"></ul>
  </aside>
  <main class="chat">
    <header class="chat-head" id="chat-head" hidden>
      <span class="avatar"><svg viewBox="0 0 212 212" aria-hidden="true"><path fill="#dfe5e7" d="M106 0C47.5 0 0 47.5 0 106s47.5 106 106 106 106-47.5 106-106S164.5 0 106 0z"/><path fill="#fff" d="M173.6 171.6c-9.5-20.4-28.9-31.4-50.8-35.3 10.8-6.3 18.1-18 18.1-31.4 0-20-16.2-36.3-36.3-36.3S68.3 84.9 68.3 104.9c0 13.4 7.3 25.1 18.1 31.4-21.9 3.9-41.3 14.9-50.8 35.3 17.7 19.3 43.1 31.4 71.3 31.4s52.9-12.1 70.7-31.4z"/></svg></span>
      <div class="chat-title"><div class="name" id="chat-name"></div><div class="sub" id="chat-sub"></div></div>
      <span class="window" id="chat-window" hidden></span>
    </header>
    <div class="messages" id="messages" role="log" aria-live="polite" aria-label="Messages"></div>
    <form class="composer" id="reply" hidden>
      <span class="as">Customer:</span>
      <input id="reply-input" type="text" placeholder="Reply as customer" aria-label="Reply as customer" autocomplete="off">
      <button type="submit" aria-label="Send reply"><svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path fill="currentColor" d="M3.4 20.4l17.5-7.5c.8-.4.8-1.5 0-1.8L3.4 3.6c-.7-.3-1.4.2-1.4.9L2 9.1c0 .5.4.9.9 1l12.1 1.9-12.1 1.9c-.5.1-.9.5-.9 1l.1 4.6c0 .7.7 1.2 1.3.9z"/></svg></button>
    </form>
    <div class="sr-only" id="status-line" role="status" aria-live="polite"></div>
  </main>
</div>
<script>${PAGE_JS}</script>
</body>
</html>
`;
