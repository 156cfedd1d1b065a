-- dbdeck demo database: "Quire & Quill", a small imaginary online bookshop.
--
-- A self-contained SQLite database for learning dbdeck without touching real
-- data: a catalogue (genres, authors, books), customers, five thousand orders
-- with their line items, reader reviews, a sales view and a raw event log.
-- All rows come from counters in WITH RECURSIVE queries, so every run builds
-- exactly the same data. Nothing is random.
--
-- Some values are awkward on purpose, because an explorer must show them
-- faithfully: NULL next to the empty string, a surname that is the text NULL,
-- several scripts (including right-to-left), an emoji, a combining accent,
-- whole-number prices stored as REAL, blobs (one of them empty), JSON kept in
-- TEXT, UUID-like codes next to a 16-character code that is not a UUID, a
-- 2,000-character review, text containing a newline and a tab, a column with
-- no declared type holding every storage class, and a log table without a
-- primary key (with some duplicate rows) that can only be paged by OFFSET.
--
-- Usage: sqlite3 demo.db < assets/demo.sql  (re-running rebuilds everything)

PRAGMA foreign_keys = ON;

DROP VIEW IF EXISTS book_sales;
DROP TABLE IF EXISTS events_log;
DROP TABLE IF EXISTS reviews;
DROP TABLE IF EXISTS order_items;
DROP TABLE IF EXISTS orders;
DROP TABLE IF EXISTS customers;
DROP TABLE IF EXISTS books;
DROP TABLE IF EXISTS authors;
DROP TABLE IF EXISTS genres;

CREATE TABLE genres (code TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT);
CREATE TABLE authors (
    author_id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT, born INTEGER, bio TEXT
);
CREATE TABLE books (
    book_id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES authors (author_id),
    genre TEXT NOT NULL REFERENCES genres (code),
    title TEXT NOT NULL, subtitle TEXT, isbn TEXT UNIQUE,
    price REAL NOT NULL CHECK (price >= 0), pages INTEGER, published TEXT,
    in_stock INTEGER NOT NULL DEFAULT 1, cover BLOB
);
CREATE TABLE customers (
    customer_id INTEGER PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE, phone TEXT, preferences TEXT, note TEXT, created_at TEXT NOT NULL
);
CREATE TABLE orders (
    order_id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (customer_id),
    ordered_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),
    shipped_at TEXT, tracking_code TEXT, coupon_code TEXT, total REAL
);
CREATE TABLE order_items (
    order_id INTEGER NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
    line INTEGER NOT NULL,
    book_id INTEGER NOT NULL REFERENCES books (book_id),
    quantity INTEGER NOT NULL CHECK (quantity > 0), unit_price REAL NOT NULL,
    PRIMARY KEY (order_id, line)
);
CREATE TABLE reviews (
    review_id INTEGER PRIMARY KEY,
    book_id INTEGER NOT NULL REFERENCES books (book_id),
    customer_id INTEGER REFERENCES customers (customer_id),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5), title TEXT, body TEXT, created_at TEXT NOT NULL
);
-- No primary key on purpose. The detail column has no declared type, so it
-- keeps integers, reals, text, blobs and NULLs exactly as inserted.
CREATE TABLE events_log (logged_at TEXT NOT NULL, level TEXT NOT NULL, source TEXT, message TEXT NOT NULL, detail);

INSERT INTO genres (code, name, description) VALUES
    ('fic', 'Fiction', 'Novels and short stories'), ('sf', 'Science Fiction', 'Rockets, robots and other worlds'),
    ('fan', 'Fantasy', NULL), ('mys', 'Mystery', 'Whodunits and thrillers'), ('poe', 'Poetry', ''),
    ('his', 'History', 'True stories from the past'), ('sci', 'Popular Science', 'Big ideas for curious readers'),
    ('kid', 'Children', 'Picture books and first chapter books');

INSERT INTO authors (author_id, name, country, born, bio) VALUES
    (1, 'José Saramago', 'PT', 1922, 'Portuguese novelist, Nobel Prize in Literature 1998.'),
    (2, '村上春樹', 'JP', 1949, NULL),
    (3, 'نجيب محفوظ', 'EG', 1911, 'Wrote the Cairo Trilogy.'),
    (4, 'Wisława Szymborska', 'PL', 1923, 'Poet. Nobel Prize in Literature 1996.'),
    (5, 'Фёдор Достоевский', 'RU', 1821, 'Russian novelist.'),
    (6, 'Zoë Ångström', 'SE', 1984, 'A (fictional) Swedish poet who writes about libraries.'),
    (7, 'Renée Lefèvre', 'FR', 1990, 'Her first name uses a combining accent, her surname a precomposed one.'),
    (8, 'Chimamanda Ngozi Adichie', 'NG', 1977, NULL),
    (9, 'Anonymous', NULL, NULL, '');

INSERT INTO authors (author_id, name, country, born, bio)
WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
SELECT i,
    json_extract('["Ada","Bram","Clara","Dev","Elif","Finn","Grace","Hugo","Ines","Jonah","Kira","Leo","Maya","Nils","Olga","Pavel","Quinn","Rosa","Sami","Tess"]', '$[' || (i % 20) || ']')
    || ' ' || json_extract('["Abbott","Baker","Carver","Dalton","Ellis","Fischer","Garcia","Hart","Ivers","Jensen","Kowalski","Lund","Moreau","Novak","Okafor","Patel","Quint","Rossi","Sato","Tan"]', '$[' || ((i / 20 + i * 3) % 20) || ']'),
    json_extract('["GB","US","IE","CA","AU","NZ","FR","DE","NL","IN","NG",null]', '$[' || (i * 7 % 12) || ']'),
    CASE WHEN i % 11 = 0 THEN NULL ELSE 1900 + (i * 37) % 100 END,
    CASE WHEN i % 3 = 0 THEN NULL ELSE printf('Author of %d books. Lives in %s.', 1 + i % 17,
        json_extract('["Leeds","Toronto","Dublin","Perth","Lyon","Utrecht","Pune","Lagos"]', '$[' || (i % 8) || ']')) END
FROM n;

INSERT INTO books (book_id, author_id, genre, title, subtitle, isbn, price, pages, published, in_stock, cover) VALUES
    (1, 6, 'poe', '📚 Shelf Life', 'Poems about libraries', '978-91-00000-01-1', 12.5, 96, '2019-04-23', 1, x'89504E470D0A1A0A0000000D49484452'),
    (2, 1, 'fic', 'Ensaio sobre a Cegueira', NULL, '978-972-21-0000-2', 7.0, 310, '1995-10-01', 1, NULL),
    (3, 2, 'fic', 'ノルウェイの森', 'Norwegian Wood', '978-4-06-000003-3', 15.99, 296, '1987-09-04', 1, x'FFD8FFE000104A4649460001'),
    (4, 3, 'fic', 'بين القصرين', 'Palace Walk', '978-977-00-0004-4', 11.0, 498, '1956-01-01', 0, NULL),
    (5, 5, 'fic', 'Преступление и наказание', 'Crime and Punishment', '978-5-00-000005-5', 9.95, 671, '1866-01-01', 1, NULL),
    (6, 7, 'poe', 'Café au lait', '', '978-2-00-000006-6', 8.25, 64, '2021-02-14', 1, x''),
    (7, 4, 'poe', 'Koniec i początek', NULL, NULL, 0.0, 80, '1993-01-01', 1, zeroblob(16)),
    (8, 8, 'fic', 'A Title So Long That Any Sensible Table View Will Have To Truncate It, Because Nobody Sizes Columns This Wide: The Complete and Unabridged Edition', NULL, '978-0-00-000008-8', 24.0, 1024, '2020-06-30', 1, NULL),
    (9, 9, 'his', 'Beowulf', 'An anonymous Old English epic', '978-0-00-000009-9', 5.5, 120, NULL, 1, NULL);

INSERT INTO books (book_id, author_id, genre, title, subtitle, isbn, price, pages, published, in_stock, cover)
WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM n WHERE i < 2000),
w AS (SELECT i,
    json_extract('["Silent","Crimson","Hidden","Last","Paper","Winter","Broken","Golden","Quiet","Hollow","Northern","Salt","Glass","Wild","Distant","Burning","Secret","Lonely","Iron","Velvet","Tidal","Lost","Bright","Second"]', '$[' || (i * 7 % 24) || ']') AS adj,
    json_extract('["Orchard","Harbour","Library","Garden","Archive","Lighthouse","Engine","Kingdom","River","Clock","Atlas","Island","Letter","Mirror","Forest","Station","Comet","Bridge","Theory","Lantern","Map","Voyage","Cathedral","Machine"]', '$[' || ((i * 11 + i / 24) % 24) || ']') AS noun,
    json_extract('["Ash","Tomorrow","the Deep","Small Hours","Salt and Stone","the North","Lost Things","Quiet Rooms","the Tide","Old Maps","Distant Stars","the City"]', '$[' || (i % 12) || ']') AS place
    FROM n)
SELECT i, 1 + (i * 37) % 200,
    json_extract('["fic","sf","fan","mys","poe","his","sci","kid"]', '$[' || (i * 5 % 8) || ']'),
    CASE i % 4 WHEN 0 THEN printf('The %s %s', adj, noun) WHEN 1 THEN printf('%s of %s', noun, place)
        WHEN 2 THEN printf('A %s %s', adj, noun) ELSE printf('%s %s, Vol. %d', adj, noun, 1 + i % 5) END,
    CASE WHEN i % 97 = 0 THEN '' WHEN i % 5 = 1 THEN 'A Novel'
        WHEN i % 5 = 3 THEN printf('Book %d of the %s Cycle', 1 + i % 4, noun) ELSE NULL END,
    printf('978-1-%06d-%d', 100000 + i * 37, i % 10),
    4 + (i * 13) % 36 + json_extract('[0, 0.5, 0.99, 0.25, 0.95]', '$[' || (i % 5) || ']'),
    CASE WHEN i % 41 = 0 THEN NULL ELSE 64 + (i * 53) % 800 END,
    date('1950-01-01', '+' || ((i * 4513) % 27000) || ' days'),
    CASE WHEN i % 13 = 0 THEN 0 ELSE 1 END,
    CASE WHEN i % 10 = 0 THEN NULL WHEN i % 10 IN (1, 4, 7) THEN x'89504E470D0A1A0A0000000D49484452'
        WHEN i % 10 IN (2, 5) THEN x'FFD8FFE000104A4649460001' WHEN i % 10 = 8 THEN zeroblob(8 + i % 24)
        ELSE x'47494638396101000100800000FFFFFF' END
FROM w;

INSERT INTO customers (customer_id, first_name, last_name, email, phone, preferences, note, created_at) VALUES
    (1, 'Zoë', 'Ångström', 'zoe@example.se', '+46 70 123 45 67', '{"newsletter":true,"tags":["sci-fi","poetry"]}', NULL, '2020-01-03T09:15:00Z'),
    (2, 'Jennifer', 'NULL', 'jennifer.null@example.com', NULL, '{"newsletter":false,"tags":[]}', 'Yes, her surname really is the text NULL.', '2020-01-04T17:02:11Z'),
    (3, 'Teller', '', 'teller@example.com', '', NULL, '', '2020-01-05T08:00:00Z'),
    (4, 'Siobhán', 'O''Brien', 'siobhan@example.ie', '+353 87 555 0100', '{"newsletter":true,"tags":["history"],"currency":"EUR"}', NULL, '2020-01-06T12:30:45Z'),
    (5, '美咲', '佐藤', 'misaki@example.jp', '+81 90 1234 5678', '{"newsletter":false,"tags":["漫画","poésie"]}', NULL, '2020-01-07T23:59:59Z'),
    (6, 'José', 'Fernández', 'jose@example.es', NULL, '{}', NULL, '2020-01-08T06:45:00Z'),
    (7, 'Ngozi', 'Okonkwo', 'ngozi@example.ng', '+234 803 555 0199', '{"newsletter":true,"tags":[],"gift_wrap":null}',
        'Leave parcel with neighbour' || char(10) || char(9) || 'flat 2B, ring twice', '2020-01-09T10:10:10Z'),
    (8, 'Max', 'Mustermann', 'max@example.de', '+49 30 1234567', '{"newsletter":false,"tags":["mystery"],"currency":"EUR"}', NULL, '2020-01-10T14:00:00Z');

INSERT INTO customers (customer_id, first_name, last_name, email, phone, preferences, note, created_at)
WITH RECURSIVE n(i) AS (SELECT 9 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
SELECT i,
    json_extract('["Alice","Ben","Chloe","Daniel","Emma","Farid","Greta","Harry","Isla","Jack","Katya","Liam","Mia","Noah","Olivia","Priya","Rhys","Sofia","Theo","Uma","Victor","Wen","Yusuf","Zara"]', '$[' || (i % 24) || ']'),
    json_extract('["Smith","Jones","Brown","Taylor","Wilson","Evans","Thomas","Roberts","Walker","Wright","Hughes","Green","Hall","Wood","Clarke","Khan","Singh","Murphy","Kelly","Chen","Nguyen","Ali","Lewis","Young"]', '$[' || ((i / 24 + i * 5) % 24) || ']'),
    printf('customer%04d@example.com', i),
    CASE WHEN i % 4 = 0 THEN NULL ELSE printf('+44 7%03d %06d', i % 1000, (i * 7919) % 1000000) END,
    CASE WHEN i % 7 = 0 THEN NULL ELSE printf('{"newsletter":%s,"tags":[%s],"currency":"%s"}',
        CASE WHEN i % 3 = 0 THEN 'true' ELSE 'false' END,
        CASE i % 5 WHEN 0 THEN '' WHEN 1 THEN '"sci-fi"' WHEN 2 THEN '"poetry","history"'
            WHEN 3 THEN '"mystery"' ELSE '"kids","fantasy","sci-fi"' END,
        json_extract('["GBP","EUR","USD"]', '$[' || (i % 3) || ']')) END,
    CASE WHEN i % 37 = 0 THEN 'Prefers contact by email.' WHEN i % 53 = 0 THEN '' ELSE NULL END,
    strftime('%Y-%m-%dT%H:%M:%SZ', julianday('2020-01-11') + i * 0.4 + (i * 37 % 100) / 100.0)
FROM n;

INSERT INTO orders (order_id, customer_id, ordered_at, status, shipped_at, tracking_code, coupon_code)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000),
o AS (SELECT i, julianday('2021-03-01') + i * 0.22 + (i * 7 % 10) / 100.0 AS t,
    CASE WHEN i > 4950 THEN 'pending' WHEN i > 4900 THEN 'paid' WHEN i > 4850 THEN 'shipped'
        WHEN i % 23 = 0 THEN 'cancelled' ELSE 'delivered' END AS st
    FROM n)
SELECT i, 1 + (i * 7919) % 1000, strftime('%Y-%m-%dT%H:%M:%SZ', t), st,
    CASE WHEN st IN ('shipped', 'delivered') THEN strftime('%Y-%m-%dT%H:%M:%SZ', t + 1 + i % 3) END,
    CASE WHEN st IN ('shipped', 'delivered') THEN printf('%08x-%04x-4%03x-%04x-%012x',
        i * 2654435761 % 4294967296, i * 40503 % 65536, i * 2897 % 4096,
        32768 + i * 13 % 16384, i * 1099511628211 % 281474976710656) END,
    CASE WHEN i = 42 THEN 'abcdefghijklmnop' WHEN i % 19 = 0 THEN 'SPRING10' WHEN i % 31 = 0 THEN 'WELCOME5' END
FROM o;

INSERT INTO order_items (order_id, line, book_id, quantity, unit_price)
WITH RECURSIVE l(line) AS (SELECT 1 UNION ALL SELECT line + 1 FROM l WHERE line < 4),
it AS (SELECT o.order_id, l.line,
    CASE WHEN (o.order_id + l.line) % 6 = 0 THEN 1 + (o.order_id * l.line) % 25
        ELSE 1 + (o.order_id * 131 + l.line * 977) % 2000 END AS book_id
    FROM orders o JOIN l ON l.line <= 1 + (o.order_id * 7) % 4)
SELECT it.order_id, it.line, it.book_id,
    CASE WHEN (it.order_id + it.line) % 41 = 0 THEN 5 WHEN (it.order_id + it.line) % 9 = 0 THEN 2 ELSE 1 END,
    b.price
FROM it JOIN books b ON b.book_id = it.book_id;

UPDATE orders SET total = (SELECT round(sum(oi.quantity * oi.unit_price), 2)
    FROM order_items oi WHERE oi.order_id = orders.order_id);

INSERT INTO reviews (review_id, book_id, customer_id, rating, title, body, created_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000),
r AS (SELECT i, CAST(substr('1233444555', 1 + (i * 7 + i / 100) % 10, 1) AS INTEGER) AS rating FROM n)
SELECT i,
    CASE WHEN i % 4 = 0 THEN 1 + i % 25 ELSE 1 + (i * 53) % 2000 END,
    CASE WHEN i % 17 = 0 THEN NULL ELSE 1 + (i * 97) % 1000 END,
    rating,
    CASE WHEN i % 5 = 0 THEN NULL ELSE json_extract('["Did not finish","Disappointing","It was fine","Pretty good","Loved it!"]', '$[' || (rating - 1) || ']') END,
    CASE WHEN i % 6 = 0 THEN NULL ELSE printf('%s %s',
        json_extract('["The pacing dragged in the middle.","I could not put it down.","Beautiful prose.","The ending surprised me.","Not really my kind of book.","Bought it as a gift."]', '$[' || (i % 6) || ']'),
        json_extract('["Would recommend.","Arrived quickly.","Three stars from me.","Reading it again next summer.","The cover is lovely."]', '$[' || (i * 3 % 5) || ']')) END,
    strftime('%Y-%m-%dT%H:%M:%SZ', julianday('2021-04-01') + i * 0.36 + (i % 24) / 24.0)
FROM r;

-- A few hand-picked awkward review bodies: a 2,000-character one, one with
-- newlines and tabs, one mixing scripts and emoji, and empty strings.
UPDATE reviews SET title = 'More of an essay than a review', body = substr((
    WITH RECURSIVE c(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM c WHERE k < 80)
    SELECT group_concat(printf('Chapter %d kept me reading well past midnight.', k), ' ') FROM c), 1, 2000)
WHERE review_id = 1;
UPDATE reviews SET body = 'Pros:' || char(10) || char(9) || 'lovely maps' || char(10) || 'Cons:' || char(10) || char(9) || 'none' WHERE review_id = 2;
UPDATE reviews SET body = 'Ótimo livro! 素晴らしい本です 📚✨ Renée would approve.' WHERE review_id = 3;
UPDATE reviews SET title = '', body = '' WHERE review_id = 4;

INSERT INTO events_log (logged_at, level, source, message, detail)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600),
e AS (SELECT CASE WHEN i % 50 = 1 THEN i - 1 ELSE i END AS k FROM n)
SELECT strftime('%Y-%m-%dT%H:%M:%fZ', julianday('2024-03-01') + k / 288.0 + (k % 7) / 100000.0),
    CASE WHEN k % 29 = 0 THEN 'ERROR' WHEN k % 7 = 0 THEN 'WARN' WHEN k % 3 = 0 THEN 'DEBUG' ELSE 'INFO' END,
    json_extract('["web","checkout","search","mailer",null]', '$[' || (k % 5) || ']'),
    CASE k % 5
        WHEN 0 THEN printf('Customer %04d logged in', 1 + k * 13 % 1000)
        WHEN 1 THEN printf('Order %d placed', 4400 + k)
        WHEN 2 THEN printf('Search for "%s" returned %d results',
            json_extract('["dune","poetry","村上","café","crime"]', '$[' || (k / 5 % 5) || ']'), k % 40)
        WHEN 3 THEN printf('Sent newsletter batch %d', k / 5)
        ELSE printf('Cache hit ratio %.1f%%', 50 + (k % 50) * 0.9) END,
    CASE k % 6 WHEN 0 THEN k WHEN 1 THEN k / 8.0
        WHEN 2 THEN printf('{"ms":%d,"ok":%s}', k * 3 % 900, CASE WHEN k % 29 = 0 THEN 'false' ELSE 'true' END)
        WHEN 3 THEN x'DEADBEEF' WHEN 4 THEN NULL ELSE 'see ticket #' || k END
FROM e;

INSERT INTO events_log (logged_at, level, source, message, detail) VALUES
    ('2024-03-03T00:00:00.000Z', 'WARN', 'billing', 'Largest possible 64-bit counter', 9223372036854775807),
    ('2024-03-03T00:00:00.001Z', 'DEBUG', 'billing', 'Float rounding check', 0.1 + 0.2),
    ('2024-03-03T00:00:00.002Z', 'INFO', '', 'Empty source, empty-string detail', '');

CREATE INDEX idx_books_author ON books (author_id);
CREATE INDEX idx_order_items_book ON order_items (book_id);
CREATE INDEX idx_orders_customer ON orders (customer_id, ordered_at);
CREATE INDEX idx_reviews_book ON reviews (book_id, rating);

-- Sales per book, ignoring cancelled orders. Books never sold do not appear.
CREATE VIEW book_sales AS
SELECT b.book_id, b.title, a.name AS author,
    count(DISTINCT oi.order_id) AS orders,
    sum(oi.quantity) AS copies_sold,
    round(sum(oi.quantity * oi.unit_price), 2) AS revenue,
    (SELECT round(avg(r.rating), 2) FROM reviews r WHERE r.book_id = b.book_id) AS avg_rating
FROM books b
JOIN authors a ON a.author_id = b.author_id
JOIN order_items oi ON oi.book_id = b.book_id
JOIN orders o ON o.order_id = oi.order_id AND o.status <> 'cancelled'
GROUP BY b.book_id;
