import { join } from 'node:path';
import { runChecked, tmpDir } from '@isar/testkit';
import { describe, expect, it } from 'vitest';
import { parseConfigText, readConfigFile } from './config-file.js';

describe('parseConfigText: /etc/default-style KEY=VALUE files', () => {
  it('reads assignments with comments, blank lines, export and quoting', () => {
    const text = [
      '# container-loader settings',
      '',
      'CONTAINER_ENGINE=docker',
      'export IMAGES_DIR="/usr/share/images dir"   # trailing comment',
      "IMAGE_LIST='/etc/x#y.list'",
      'REGISTRY_URL=http://127.0.0.1:5000',
      'EMPTY=',
      'ESCAPED="a \\"quoted\\" \\$word"',
      'JOINED=ab"c d"\'e\'',
      '   INDENTED=1',
    ].join('\n');
    expect(parseConfigText(text, 'f').map(({ key, value, line }) => [key, value, line])).toEqual([
      ['CONTAINER_ENGINE', 'docker', 3],
      ['IMAGES_DIR', '/usr/share/images dir', 4],
      ['IMAGE_LIST', '/etc/x#y.list', 5],
      ['REGISTRY_URL', 'http://127.0.0.1:5000', 6],
      ['EMPTY', '', 7],
      ['ESCAPED', 'a "quoted" $word', 8],
      ['JOINED', 'abc de', 9],
      ['INDENTED', '1', 10],
    ]);
  });

  it.each([
    ['no equals sign', 'JUST_A_WORD', /f:2: expected KEY=value/],
    ['bad key', '1KEY=x', /f:2: "1KEY" is not a variable name/],
    ['unquoted space', 'A=b c', /f:2: unquoted whitespace/],
    ['open single quote', "A='b", /f:2: unterminated single quote/],
    ['open double quote', 'A="b', /f:2: unterminated double quote/],
    ['expansion', 'A=$HOME/x', /f:2: variable expansion/],
    ['expansion in double quotes', 'A="x$HOME"', /f:2: variable expansion/],
    ['command substitution', 'A=`id`', /f:2: .*command substitution/],
    ['shell syntax', 'A=b;rm', /f:2: shell syntax ";"/],
  ])('refuses %s with the line number', (_what, line, message) => {
    expect(() => parseConfigText(`# ok\n${line}\n`, 'f')).toThrow(message);
  });

  it('agrees with the shell on what it accepts', async () => {
    // The same file sourced by sh must give the same values (systemd reads it too, the loader must not differ).
    const dir = await tmpDir('loader-conf-');
    const file = join(dir.path, 'c.conf');
    const text = 'A="x y"\nexport B=\'q"r\'\nC=plain # note\nD="e\\$f"\n';
    await runChecked('sh', ['-c', `cat > ${file}`], { input: text });
    const { stdout } = await runChecked('sh', ['-c', `. ${file}; printf '%s|%s|%s|%s' "$A" "$B" "$C" "$D"`]);
    const parsed = await readConfigFile(file);
    expect(parsed.map((a) => a.value).join('|')).toBe(stdout);
    await dir.cleanup();
  });

  it('a missing file is a CONFIG error naming it', async () => {
    await expect(readConfigFile('/nonexistent/container-loader.conf')).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringContaining('/nonexistent/container-loader.conf (ENOENT)'),
    });
  });
});
