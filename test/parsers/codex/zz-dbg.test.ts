import { it } from 'vitest';
import { codexCorpusFiles, parseFile, messagesOf } from '/work/main/test/parsers/codex/helpers.js';
it('dbg', () => {
  for (const f of codexCorpusFiles()) {
    const run = parseFile(f);
    const msgs = messagesOf(run);
    const by: Record<string, number> = {};
    for (const m of msgs) by[m.messageType] = (by[m.messageType] ?? 0) + 1;
    const warn = run.outs.filter((o) => o.warning).map((o) => o.warning);
    const usage = run.outs.flatMap((o) => o.usage);
    const sum = usage.reduce((a, u) => ({ i: a.i + u.tokens.input, c: a.c + u.tokens.cacheRead, o: a.o + u.tokens.output }), { i: 0, c: 0, o: 0 });
    console.log(f.replace(/.*corpus\//, ''), JSON.stringify(by), 'usage', usage.length, JSON.stringify(sum), 'warn', warn.slice(0, 3), 'own', run.state.ownThread, 'sec', run.state.section, 'sessions', JSON.stringify(run.outs.flatMap((o) => o.sessions)).slice(0, 300));
  }
});
