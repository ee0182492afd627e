// The platform-neutral message model. The bot builds ChatMessages; each platform adapter
// renders them (Slack Block Kit, Discord embeds, console lines). Nothing here is
// platform-specific: a mention is a Person the renderer turns into `<@U…>` or a name.

export interface PersonRef {
  name: string;
  email: string | null;
  slack?: string;
  discord?: string;
}

/** Inline text is a list of spans so each platform can render mentions its own way. */
export type Span = string | { mention: PersonRef } | { code: string } | { bold: string };

export type ButtonAction =
  | 'ack'
  | 'retry'
  | 'skip'
  | 'rollback'
  | 'step'
  | 'pause'
  | 'resume'
  | 'abort'
  | 'approve'
  | 'reject';

export interface Button {
  action: ButtonAction;
  label: string;
  /**
   * Carried back with the click: `failure:<id>` (ack), `<upgrade>:failure:<id>` (retry, skip: every
   * node of the failure; `<upgrade>:<node>` from older posts still works), `<upgrade>` (rollback,
   * step, pause, resume, abort), `<request>` (approve, reject).
   */
  value: string;
  style?: 'primary' | 'danger';
  /** A destructive action: the platform asks "are you sure?" before it is carried out. */
  confirm?: { title: string; text: string; confirm: string };
}

export interface ChatMessage {
  /** One-line summary: the notification text and the console's headline. */
  summary: string;
  title?: Span[];
  lines?: Span[][];
  fields?: Array<{ label: string; value: Span[] }>;
  progress?: { done: number; failed: number; pending: number; total: number };
  /** Preformatted output (already redacted), shown as a code block. */
  code?: string;
  buttons?: Button[];
  /** A small footer, e.g. "acknowledged by Alice at 10:42". */
  context?: Span[];
  tone?: 'info' | 'good' | 'warning' | 'danger';
}

export type Platform = 'slack' | 'discord' | 'console';

/**
 * One message to deliver. `key` names the message for its lifetime (`upgrade:12`,
 * `failure:7`, `digest:production:2026-11-25T08:00Z`): the first delivery of a key posts,
 * later ones edit in place. `threadOf` is the key of the parent message for thread replies.
 */
export interface OutgoingMessage {
  platform: Platform;
  channel: string;
  key: string;
  threadOf: string | null;
  message: ChatMessage;
}
