import { phoneKey } from './validate.js';

const DAY = 86_400_000;

/**
 * WhatsApp's customer-service window as Wolkvox applies it (seed 003): free-form text needs a
 * template sent to the number earlier and a reply from the customer in the last 24 hours.
 * Replies come from `markReplied`, or, with `autoReplyAfterMs`, arrive that long after each
 * template (computed on read: no timers).
 */
export class ConversationWindows {
  readonly #templates = new Map<string, number>();
  readonly #replies = new Map<string, number>();
  readonly #autoReplies = new Map<string, number>();
  readonly #windowMs: number;
  readonly #autoReplyAfterMs: number | undefined;

  constructor(windowMs = DAY, autoReplyAfterMs?: number) {
    this.#windowMs = windowMs;
    this.#autoReplyAfterMs = autoReplyAfterMs;
  }

  templateSent(telephone: string, now: number): void {
    const key = phoneKey(telephone);
    this.#templates.set(key, now);
    if (this.#autoReplyAfterMs !== undefined) this.#autoReplies.set(key, now + this.#autoReplyAfterMs);
  }

  markReplied(telephone: string, at: number): void {
    const key = phoneKey(telephone);
    this.#replies.set(key, Math.max(at, this.#replies.get(key) ?? Number.NEGATIVE_INFINITY));
  }

  /** The latest reply at or before `now`. */
  #lastReply(key: string, now: number): number | undefined {
    const replies = [this.#replies.get(key), this.#autoReplies.get(key)].filter(
      (t): t is number => t !== undefined && t <= now,
    );
    return replies.length === 0 ? undefined : Math.max(...replies);
  }

  isOpen(telephone: string, now: number): boolean {
    const key = phoneKey(telephone);
    const template = this.#templates.get(key);
    const reply = this.#lastReply(key, now);
    return template !== undefined && template <= now && reply !== undefined && now - reply < this.#windowMs;
  }

  clear(): void {
    this.#templates.clear();
    this.#replies.clear();
    this.#autoReplies.clear();
  }
}
