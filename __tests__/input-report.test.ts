import { inputProblemsMarkdown } from '../src/core/input-report';

describe('inputProblemsMarkdown', () => {
  it('lists every problem in a text block, with a count', () => {
    const md = inputProblemsMarkdown(["tenant-id: got 'x', expected a GUID", 'dry-run: got \'1\', expected true or false']);
    expect(md).toContain('fix 2 inputs of the step');
    expect(md).toContain("```text\ntenant-id: got 'x', expected a GUID\ndry-run: got '1', expected true or false\n```");
  });

  it('keeps a value with backticks inside the block', () => {
    const md = inputProblemsMarkdown(["app-name: got '```\n# not a heading', expected a display name"]);
    expect(md).toContain("````text\napp-name: got '```\n# not a heading', expected a display name\n````");
    expect(md).toContain('fix an input of the step');
  });
});
