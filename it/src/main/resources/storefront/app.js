// The demo shop's page: plain JavaScript, no libraries. It calls only the small server that served it (/api/...),
// which sends the Elasticsearch requests: the browser never talks to Elasticsearch.
'use strict';

const columns = [...document.querySelectorAll('section.shopper')];

async function api(method, path) {
  const response = await fetch(path, {method});
  const body = await response.json();
  if (!response.ok) {
    const error = body.error;
    throw new Error(typeof error === 'string' ? error : (error && error.reason) || ('HTTP ' + response.status));
  }
  return body;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === 'class') node.className = value; else node.setAttribute(key, value);
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// A search hit's reason, read from the rescorer's explanation: its largest personal part, or the query itself.
// A reason is {text, ref, after}: ref is the item it names, shown by its title once known.
function hitReason(hit) {
  const explanation = hit._explanation;
  if (!explanation || !explanation.details) return {text: 'matches your search'};
  let best = null;
  for (const part of explanation.details) {
    const name = part.description.split(':')[0];
    if (name === 'query' || part.value <= 0) continue;
    if (best === null || part.value > best.value) best = {name, value: part.value, text: part.description};
  }
  if (best === null) return {text: 'matches your search'};
  const item = (pattern) => { const m = best.text.match(pattern); return m ? m[1] : null; };
  const after = ' (+' + best.value.toFixed(2) + ')';
  switch (best.name) {
    case 'item_similarity': return {text: 'similar to what you viewed', ref: item(/mostly \[([^\]]+)\]/), after};
    case 'user_affinity': return {text: 'because you bought', ref: item(/because of \[([^\]]+)\]/), after};
    case 'attribute_affinity': return {text: 'a category you like', after};
    case 'popularity': return {text: 'popular now', after};
    default: return {text: best.name, after};
  }
}

function modelVersionOf(hit) {
  const m = hit && hit._explanation && hit._explanation.description.match(/model version \[(\d+)\]/);
  return m ? m[1] : null;
}

// A recommendation's main reason, as _recommend gives it.
function shelfReason(rec) {
  const r = (rec.reasons || [])[0];
  if (!r) return {text: ''};
  const words = {
    similar_to: 'similar to', because_you_viewed: 'because you bought or viewed', affinity: 'you like',
    content_similar: 'close in content to', popular: 'popular now', catalog: 'in the catalogue',
  }[r.type] || r.type;
  return {text: words + (r.attribute ? ' ' + r.attribute + '=' + r.value : ''), ref: r.item_id};
}

function reason(r) {
  return el('span', {class: 'reason'}, r.text,
            ...(r.ref ? [' ', el('span', {class: 'ref', 'data-ref': r.ref, title: r.ref}, r.ref)] : []), r.after || '');
}

// The items reasons name, by their titles: one _mget through the page's server.
async function nameReferences(root) {
  const refs = [...root.querySelectorAll('span.ref[data-ref]')];
  const ids = [...new Set(refs.map(r => r.dataset.ref))];
  if (ids.length === 0) return;
  try {
    const found = await api('GET', '/api/titles?ids=' + ids.map(encodeURIComponent).join(','));
    const titles = Object.fromEntries(found.docs.filter(d => d.found && d._source && d._source.title)
                                                .map(d => [d._id, d._source.title]));
    refs.forEach(r => { if (titles[r.dataset.ref]) r.textContent = titles[r.dataset.ref]; });
  } catch (e) {
    // the ids stay shown
  }
}

function product(sku, source, extra) {
  const price = source && source.price !== undefined ? '£' + Number(source.price).toFixed(2) : '';
  return [el('span', {class: 'title'}, (source && source.title) || sku), el('span', {class: 'sku'}, sku),
          el('span', {class: 'price'}, price), ...extra];
}

function user(column) { return column.querySelector('input.user').value.trim(); }

async function refresh(column) {
  column.dataset.state = 'loading';
  const query = document.getElementById('query').value;
  const who = encodeURIComponent(user(column));
  const hits = column.querySelector('ol.hits');
  const shelf = column.querySelector('ul.shelf');
  const error = column.querySelector('.error');
  error.textContent = '';
  try {
    const [search, forYou] = await Promise.all([
      api('GET', '/api/search?user=' + who + '&q=' + encodeURIComponent(query)),
      api('GET', '/api/recommend?user=' + who)]);
    hits.replaceChildren(...search.hits.hits.map(hit => el('li', {class: 'hit', 'data-sku': hit._id},
        ...product(hit._id, hit._source, [el('span', {class: 'score'}, hit._score.toFixed(3)),
                                           reason(hitReason(hit))]))));
    column.querySelector('.took-search').textContent =
        'took ' + search.took + ' ms' + (modelVersionOf(search.hits.hits[0]) ? ', model version ' + modelVersionOf(search.hits.hits[0]) : '');
    shelf.replaceChildren(...forYou.recommendations.map(rec => el('li', {class: 'rec', 'data-sku': rec.item_id},
        ...product(rec.item_id, rec._source, [reason(shelfReason(rec))]))));
    column.querySelector('.took-shelf').textContent = 'took ' + forYou.took + ' ms, model version ' + forYou.model_version;
    await nameReferences(column);
  } catch (e) {
    error.textContent = e.message;
  }
  column.dataset.generation = String(Number(column.dataset.generation || 0) + 1);
  column.dataset.state = 'ready';
}

// A click on a product: record the view, open it with its similar items, then search and shelf again.
async function open(column, sku, source) {
  column.dataset.state = 'loading';
  const opened = column.querySelector('.opened');
  try {
    await api('POST', '/api/view?user=' + encodeURIComponent(user(column)) + '&item=' + encodeURIComponent(sku));
    const similar = await api('GET', '/api/similar?item=' + encodeURIComponent(sku));
    opened.hidden = false;
    opened.querySelector('.opened-title').replaceChildren(...product(sku, source, []));
    opened.querySelector('ul.similar').replaceChildren(...similar.recommendations.map(rec =>
        el('li', {class: 'similar-item', 'data-sku': rec.item_id},
           ...product(rec.item_id, rec._source, [reason(shelfReason(rec))]))));
    opened.querySelector('.took-similar').textContent = 'took ' + similar.took + ' ms';
    await nameReferences(opened);
  } catch (e) {
    column.querySelector('.error').textContent = e.message;
  }
  await refresh(column);
}

function build(column) {
  column.append(
    el('h2', {}, 'Shopper ', el('input', {class: 'user', value: column.dataset.user, 'aria-label': 'shopper id'})),
    el('p', {class: 'error'}),
    el('h3', {}, 'Search results', el('span', {class: 'took took-search'})),
    el('ol', {class: 'hits'}),
    el('h3', {}, 'Recommended for you', el('span', {class: 'took took-shelf'})),
    el('ul', {class: 'shelf'}),
    Object.assign(el('div', {class: 'opened'},
      el('h3', {}, 'Opened: ', el('span', {class: 'opened-title'})),
      el('h3', {}, 'Similar items', el('span', {class: 'took took-similar'})),
      el('ul', {class: 'similar'})), {hidden: true}));
  column.querySelector('input.user').addEventListener('change', () => refresh(column));
  column.addEventListener('click', (event) => {
    const item = event.target.closest('li[data-sku]');
    if (!item) return;
    const title = item.querySelector('.title');
    const price = item.querySelector('.price');
    open(column, item.dataset.sku, {title: title && title.textContent,
                                    price: price && price.textContent ? price.textContent.slice(1) : undefined});
  });
}

async function showModel() {
  try {
    const status = await api('GET', '/api/model');
    const model = (status.models || [status])[0] || {};
    document.getElementById('model-name').textContent = model.name || 'shop';
    const active = model.status && model.status.active_version;
    document.getElementById('model-version').textContent =
        active === undefined ? '?' : (typeof active === 'object' ? active.version : active);
  } catch (e) {
    document.getElementById('model-version').textContent = 'unknown (' + e.message + ')';
  }
}

columns.forEach(build);
document.getElementById('search').addEventListener('submit', (event) => {
  event.preventDefault();
  columns.forEach(refresh);
});
showModel();
columns.forEach(refresh);
