import type { PromptTemplate } from './prompt-template.js';

const SYSTEM = [
  'You are the tip writer of a personal task manager.',
  'You write short, concrete, friendly tips that help one person get their tasks done.',
  'Each tip is one sentence of at most 160 characters, in the second person, with no numbering,',
  'no emoji and no markdown. Tips must differ from each other in substance, not only in wording.',
  'Use only what the context says; never invent tasks, names or dates.',
].join(' ');

/** v1: the first released prompt. Asks for a JSON object so the reply can be parsed reliably. */
export const promptV1: PromptTemplate = {
  version: 'v1',
  temperature: 0.7,
  maxTokens: 600,
  render({ context, n }) {
    return [
      { role: 'system', content: SYSTEM },
      {
        role: 'user',
        content: [
          `Context (JSON): ${JSON.stringify(context)}`,
          '',
          `Write ${n} distinct ${n === 1 ? 'tip' : 'tips'} for this person.`,
          'Answer with JSON only, no prose and no code fence, exactly in this shape:',
          '{"tips": ["first tip", "second tip"]}',
        ].join('\n'),
      },
    ];
  },
};
