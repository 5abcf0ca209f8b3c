/// <reference types="mocha" />
/**
 * Runs inside the real VS Code extension host (code-server), with the repo as the extension
 * development path. The workspace (NL_TEST_WORKSPACE) holds copies of the sample models plus
 * broken.onnx (truncated copy), empty.onnx, notmodel.onnx (text) and random.onnx.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';

const EXT_ID = 'neural-lens.neural-lens';
const VIEW_TYPE = 'neuralLens.onnxEditor';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return vscode.Uri.joinPath(folder.uri, name);
}

function activeCustomTab(): vscode.TabInputCustom | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom ? input : undefined;
}

async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  await until('all tabs closed', () => vscode.window.tabGroups.all.every((g) => g.tabs.length === 0), 5000).catch(() => undefined);
}

describe('Neural Lens in a real extension host', function () {
  this.timeout(30000);
  let ext: vscode.Extension<unknown>;

  before(() => {
    const e = vscode.extensions.getExtension(EXT_ID);
    assert.ok(e, `extension ${EXT_ID} is installed`);
    ext = e!;
  });
  afterEach(closeAll);

  it('is present and runs in a Node extension host', () => {
    assert.strictEqual(ext.packageJSON.name, 'neural-lens');
    assert.strictEqual(typeof process.versions.node, 'string');
    const editors = (ext.packageJSON.contributes?.customEditors ?? []) as { viewType: string }[];
    assert.ok(editors.some((c) => c.viewType === VIEW_TYPE), `contributes custom editor ${VIEW_TYPE}`);
  });

  it('is loaded from the development path under test', () => {
    const dev = process.env.NL_EXT_DEV_PATH;
    if (dev) assert.strictEqual(ext.extensionUri.fsPath, dev, 'the extension under test is the unpacked repo');
    else assert.ok(ext.extensionUri.fsPath, 'extension path');
  });

  it('activates when an .onnx file is opened (default editor = Neural Lens)', async () => {
    const uri = workspaceFile('mnist-mlp.onnx');
    await vscode.commands.executeCommand('vscode.open', uri);
    await until('extension active', () => ext.isActive);
    const tab = await until('custom editor tab', activeCustomTab);
    assert.strictEqual(tab.viewType, VIEW_TYPE);
    assert.strictEqual(tab.uri.toString(), uri.toString());
  });

  it('registers every command it contributes', async () => {
    await ext.activate();
    const contributed = ((ext.packageJSON.contributes?.commands ?? []) as { command: string }[]).map((c) => c.command);
    assert.ok(contributed.length >= 5, `package.json contributes commands (${contributed.length})`);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepStrictEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  it('neuralLens.openSample opens mnist-mlp.onnx in the custom editor', async () => {
    await closeAll();
    await vscode.commands.executeCommand('neuralLens.openSample');
    const tab = await until('custom editor tab', activeCustomTab);
    assert.strictEqual(tab.viewType, VIEW_TYPE);
    assert.ok(tab.uri.path.endsWith('/media/samples/mnist-mlp.onnx'), `opened ${tab.uri.toString()}`);
    assert.ok(tab.uri.path.startsWith(ext.extensionUri.path), 'the sample comes from the extension itself');
  });

  it('opens the CNN sample with neuralLens.openSample("mnist-cnn.onnx")', async () => {
    await vscode.commands.executeCommand('neuralLens.openSample', 'mnist-cnn.onnx');
    const tab = await until('custom editor tab', () => {
      const t = activeCustomTab();
      return t && t.uri.path.endsWith('/mnist-cnn.onnx') ? t : undefined;
    });
    assert.strictEqual(tab.viewType, VIEW_TYPE);
  });

  for (const bad of ['broken.onnx', 'empty.onnx', 'notmodel.onnx', 'random.onnx']) {
    it(`opening the corrupt ${bad} does not throw and the extension stays usable`, async () => {
      const uri = workspaceFile(bad);
      await vscode.workspace.fs.stat(uri); // the fixture exists
      await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
      const tab = await until(`custom editor tab for ${bad}`, () => {
        const t = activeCustomTab();
        return t && t.uri.toString() === uri.toString() ? t : undefined;
      });
      assert.strictEqual(tab.viewType, VIEW_TYPE);
      await sleep(500); // let the document load fail
      assert.ok(ext.isActive, 'extension still active');
      // the host still serves commands: a good model opens afterwards
      await vscode.commands.executeCommand('neuralLens.openSample');
      await until('sample tab after the corrupt file', () => {
        const t = activeCustomTab();
        return t && t.uri.path.endsWith('/mnist-mlp.onnx') ? t : undefined;
      });
    });
  }

  it('viewer commands without an open viewer do not throw', async () => {
    await closeAll();
    for (const c of ['neuralLens.fitGraph', 'neuralLens.showModelSummary']) {
      await vscode.commands.executeCommand(c);
    }
    assert.ok(ext.isActive);
  });

  it('neuralLens.showModelSummary opens a summary that names the model\'s operators', async () => {
    await vscode.commands.executeCommand('vscode.openWith', workspaceFile('mnist-mlp.onnx'), VIEW_TYPE);
    await until('custom editor tab', activeCustomTab);
    await sleep(300);
    await vscode.commands.executeCommand('neuralLens.showModelSummary');
    const editor = await until('summary text editor', () => vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === 'untitled'));
    const text = editor.document.getText();
    assert.ok(/Gemm/.test(text), `summary mentions Gemm: ${text.slice(0, 200)}`);
    assert.ok(/Relu/.test(text), 'summary mentions Relu');
    // close it without a save prompt (it is an untitled, dirty document)
    await vscode.window.showTextDocument(editor.document);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('the onnxRuntimeFolder setting reaches the ONNX Runtime loader: a folder that is not usable is named in the environment report', async () => {
    // Nothing in this suite ran a model before, so ONNX Runtime is not loaded yet and the
    // setting applies to its first load (the report loads it).
    const conf = () => vscode.workspace.getConfiguration('neuralLens');
    const missing = '/nonexistent/neural-lens-ort-folder';
    await conf().update('inference.onnxRuntimeFolder', missing, vscode.ConfigurationTarget.Global);
    try {
      await until('setting visible', () => conf().get<string>('inference.onnxRuntimeFolder') === missing);
      await sleep(200); // the extension's configuration listener runs after the update resolves
      await vscode.commands.executeCommand('neuralLens.showEnvironment');
      const doc = await until('environment report', () => vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'neural-lens-report'));
      const text = doc.getText();
      assert.ok(text.includes(`the ONNX Runtime folder is not used: ${missing} does not exist`), `report names the unusable folder: ${text}`);
      assert.ok(/ONNX Runtime +1\.\d+\.\d+ \(from (dist\/ort|node_modules)\)/.test(text), `the bundled ORT is used instead: ${text}`);
      assert.ok(/Training +backend "cpu" \(setting neuralLens\.training\.backend/.test(text), `report names the training backend setting: ${text}`);
    } finally {
      await conf().update('inference.onnxRuntimeFolder', undefined, vscode.ConfigurationTarget.Global);
      await closeAll();
    }
  });

  it('the inference provider setting is what the environment report describes', async () => {
    const conf = () => vscode.workspace.getConfiguration('neuralLens');
    await conf().update('inference.provider', 'cpu', vscode.ConfigurationTarget.Global);
    try {
      await until('setting visible', () => conf().get<string>('inference.provider') === 'cpu');
      await vscode.commands.executeCommand('neuralLens.showEnvironment');
      const doc = await until('environment report', () => vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'neural-lens-report'));
      const text = await until('report with the provider choice', () => (/\[provider "cpu"\]/.test(doc.getText()) ? doc.getText() : undefined), 10000);
      assert.ok(/Inference +CPU: CPU chosen \(neuralLens\.inference\.provider\) \[provider "cpu"\]/.test(text), `report: ${text}`);
    } finally {
      await conf().update('inference.provider', undefined, vscode.ConfigurationTarget.Global);
      await closeAll();
    }
  });
});
