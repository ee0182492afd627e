// What the real Slack and Discord refuse, written down independently of drover's own limits
// table (src/bot/limits.ts) on purpose: were the fakes to import drover's numbers, a wrong
// number there would be "accepted" by the fake too. These are the platforms' documented
// limits (FIELD-NOTES.md, "Chat platforms"), checked the way the platforms check them:
// lengths in code points, answers in the platforms' own error shapes.

const points = (text: string) => [...text].length;

/** Slack's Block Kit rules for chat.postMessage / chat.update. */
export function slackErrors(body: Record<string, unknown>): { error: string; errors?: string[] } | undefined {
  const text = typeof body.text === 'string' ? body.text : '';
  const blocks = Array.isArray(body.blocks) ? (body.blocks as unknown[]) : undefined;
  if (!text && !blocks?.length) return { error: 'no_text' };
  if (points(text) > 40_000) return { error: 'msg_too_long' };
  if (!blocks) return undefined;
  const errors: string[] = [];
  const at = (path: string) => ` [json-pointer:${path}]`;
  const max = (value: unknown, limit: number, path: string, min = 1) => {
    const s = typeof value === 'string' ? value : '';
    if (points(s) > limit) errors.push(`must be less than ${limit + 1} characters${at(path)}`);
    else if (points(s.trim()) < min) errors.push(`must be more than ${min - 1} characters${at(path)}`);
  };
  const items = (list: unknown, limit: number, path: string): unknown[] => {
    const array = Array.isArray(list) ? list : [];
    if (array.length > limit) errors.push(`no more than ${limit} items allowed${at(path)}`);
    return array;
  };
  const textObject = (value: unknown, limit: number, path: string) =>
    max((value as { text?: unknown } | undefined)?.text, limit, `${path}/text`);
  items(blocks, 50, '/blocks').forEach((raw, i) => {
    const block = raw as Record<string, unknown>;
    const path = `/blocks/${i}`;
    if (block.block_id !== undefined) max(block.block_id, 255, `${path}/block_id`);
    switch (block.type) {
      case 'section':
        if (block.text === undefined && block.fields === undefined)
          errors.push(`must provide either text or fields${at(path)}`);
        if (block.text !== undefined) textObject(block.text, 3000, `${path}/text`);
        if (block.fields !== undefined)
          items(block.fields, 10, `${path}/fields`).forEach((field, j) => {
            textObject(field, 2000, `${path}/fields/${j}`);
          });
        break;
      case 'header':
        textObject(block.text, 150, `${path}/text`);
        break;
      case 'context':
        items(block.elements, 10, `${path}/elements`).forEach((element, j) => {
          textObject(element, 3000, `${path}/elements/${j}`);
        });
        break;
      case 'actions':
        items(block.elements, 25, `${path}/elements`).forEach((raw, j) => {
          const element = raw as Record<string, unknown>;
          const p = `${path}/elements/${j}`;
          textObject(element.text, 75, `${p}/text`);
          if (element.value !== undefined) max(element.value, 2000, `${p}/value`);
          if (element.action_id !== undefined) max(element.action_id, 255, `${p}/action_id`);
        });
        break;
      default:
        errors.push(`unsupported block type${at(`${path}/type`)}`);
    }
  });
  return errors.length > 0 ? { error: 'invalid_blocks', errors } : undefined;
}

type DiscordErrors = { [key: string]: DiscordErrors } & {
  _errors?: Array<{ code: string; message: string }>;
};

/** Discord's create/edit-message rules; the `errors` tree of a 50035 answer, or undefined. */
export function discordErrors(body: Record<string, unknown>): DiscordErrors | undefined {
  const tree: DiscordErrors = {};
  let failed = false;
  const fail = (path: Array<string | number>, code: string, message: string) => {
    failed = true;
    let node = tree;
    for (const key of path) {
      node[String(key)] ??= {};
      node = node[String(key)]!;
    }
    node._errors = [...(node._errors ?? []), { code, message }];
  };
  const max = (value: unknown, limit: number, path: Array<string | number>, required = false) => {
    if (value === undefined && !required) return 0;
    const s = typeof value === 'string' ? value : '';
    if (points(s) > limit) fail(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${limit} or fewer in length.`);
    else if (required && s.length === 0) fail(path, 'BASE_TYPE_REQUIRED', 'This field is required');
    return points(s);
  };
  max(body.content, 2000, ['content']);
  const embeds = Array.isArray(body.embeds) ? (body.embeds as Array<Record<string, unknown>>) : [];
  if (embeds.length > 10) fail(['embeds'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  let total = 0;
  embeds.forEach((embed, i) => {
    total += max(embed.title, 256, ['embeds', i, 'title']);
    total += max(embed.description, 4096, ['embeds', i, 'description']);
    const footer = embed.footer as { text?: unknown } | undefined;
    if (footer) total += max(footer.text, 2048, ['embeds', i, 'footer', 'text'], true);
    const author = embed.author as { name?: unknown } | undefined;
    if (author) total += max(author.name, 256, ['embeds', i, 'author', 'name'], true);
    const fields = Array.isArray(embed.fields) ? (embed.fields as Array<Record<string, unknown>>) : [];
    if (fields.length > 25)
      fail(['embeds', i, 'fields'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    fields.forEach((field, j) => {
      total += max(field.name, 256, ['embeds', i, 'fields', j, 'name'], true);
      total += max(field.value, 1024, ['embeds', i, 'fields', j, 'value'], true);
    });
  });
  if (total > 6000) fail(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
  const rows = Array.isArray(body.components) ? (body.components as Array<Record<string, unknown>>) : [];
  if (rows.length > 5) fail(['components'], 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
  rows.forEach((row, i) => {
    const buttons = Array.isArray(row.components) ? (row.components as Array<Record<string, unknown>>) : [];
    if (buttons.length > 5)
      fail(['components', i, 'components'], 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
    buttons.forEach((button, j) => {
      max(button.label, 80, ['components', i, 'components', j, 'label']);
      max(button.custom_id, 100, ['components', i, 'components', j, 'custom_id'], true);
    });
  });
  return failed ? tree : undefined;
}
