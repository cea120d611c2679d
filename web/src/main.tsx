import { render } from 'preact';
import { App } from './app.js';
import { interceptLinks } from './lib/router.js';
import './styles.css';

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  interceptLinks(document.body);
  render(<App />, root);
  // Marks the moment the app is drawn and answers input (read by tests and the bench).
  document.documentElement.dataset.ready = 'true';
  performance.mark('mycel-interactive');
}
