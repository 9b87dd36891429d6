import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.InetAddressPoint;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * Runs Lucene query strings roughly as Elasticsearch's query_string does, over an in-memory index
 * of documents whose fields are typed like an Elasticsearch mapping (keyword, long,
 * lowercase_keyword = keyword with a lowercase normalizer, ip).
 *
 * <p>Request on stdin, UTF-8, one item per line, every name/value/query base64 (UTF-8) encoded:
 * <pre>
 *   FIELD &lt;name&gt; keyword|long|lowercase_keyword|ip
 *   DOC                               (starts the next document; documents are numbered from 0)
 *   VALUE &lt;name&gt; &lt;value&gt;             (a value of the current document; repeat for a list)
 *   QUERY &lt;query&gt;
 * </pre>
 * Response on stdout, one line per query in request order: {@code HITS <doc> <doc> ...} (sorted,
 * possibly none) or {@code ERROR <base64 message>}. A malformed request exits with status 2.
 */
public class LuceneQueryCheck {
    /** Holds the names of the fields a document has, for _exists_:field and field:* queries. */
    static final String EXISTS = "_exists_";
    /** Stored position of the document in the request. */
    static final String POSITION = "_position_";

    enum Type { KEYWORD, LONG, LOWERCASE_KEYWORD, IP }

    /** An IPv4 or IPv6 address literal (never a host name, which InetAddress would look up). */
    static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    /**
     * An ip field's address, as Elasticsearch's ip type reads it
     * (https://www.elastic.co/guide/en/elasticsearch/reference/current/ip.html): an IPv4 or IPv6
     * literal; anything else is not an ip.
     */
    static InetAddress toAddress(String text) {
        if (!IP_LITERAL.matcher(text).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * Lucene's KeywordAnalyzer (one token, not analysed) plus Elasticsearch's lowercase normalizer
     * on lowercase_keyword fields. The parser normalizes terms, range bounds, fuzzy terms, whole
     * regexps and the parts of wildcards between wildcards and escapes with it, as does ES.
     */
    static final class MappingAnalyzer extends Analyzer {
        private final Map<String, Type> types;

        MappingAnalyzer(Map<String, Type> types) {
            this.types = types;
        }

        @Override
        protected TokenStreamComponents createComponents(String field) {
            return new TokenStreamComponents(new KeywordTokenizer());
        }

        @Override
        protected TokenStream normalize(String field, TokenStream in) {
            return types.get(field) == Type.LOWERCASE_KEYWORD ? new LowerCaseFilter(in) : in;
        }
    }

    /** The classic parser, with the field checks and fixes that Elasticsearch's subclass makes. */
    static final class Parser extends QueryParser {
        private final Map<String, Type> types;

        Parser(Map<String, Type> types) {
            super("", new MappingAnalyzer(types)); // "" is the default field, rejected by typeOf
            this.types = types;
            setAllowLeadingWildcard(true);
            setDefaultOperator(QueryParser.OR_OPERATOR);
        }

        private Type typeOf(String field) throws ParseException {
            if (field.isEmpty()) {
                throw new ParseException("term without a field (no default field)");
            }
            Type type = types.get(field);
            if (type == null) {
                throw new ParseException("unknown field " + field);
            }
            return type;
        }

        /** Type of a field that a wildcard, prefix, regexp or fuzzy query is run on. */
        private Type patternType(String field) throws ParseException {
            Type type = typeOf(field);
            if (type == Type.LONG) {
                throw new ParseException("wildcard on numeric field " + field);
            }
            if (type == Type.IP) { // Elasticsearch: "Can only use wildcard queries on keyword..."
                throw new ParseException("wildcard or regexp on ip field " + field);
            }
            return type;
        }

        /**
         * A term on an ip field: one address, or a CIDR range ("10.0.0.0/8", "fe80::/10"), as
         * Elasticsearch's term query on an ip field reads it (ip.html, "Querying ip fields").
         */
        private static Query ipQuery(String field, String text) throws ParseException {
            String[] parts = text.trim().split("/", -1);
            InetAddress address = parts.length <= 2 ? toAddress(parts[0]) : null;
            if (address == null) {
                throw new ParseException("'" + text + "' is not an IP string literal");
            }
            if (parts.length == 1) {
                return InetAddressPoint.newExactQuery(field, address);
            }
            int bits = address.getAddress().length * 8;
            try {
                int prefix = Integer.parseInt(parts[1]);
                if (prefix < 0 || prefix > bits) {
                    throw new NumberFormatException();
                }
                return InetAddressPoint.newPrefixQuery(field, address, prefix);
            } catch (NumberFormatException e) {
                throw new ParseException("'" + text + "' is not a CIDR range");
            }
        }

        private static long toLong(String field, String text) throws ParseException {
            try {
                return Long.parseLong(text.trim());
            } catch (NumberFormatException e) {
                throw new ParseException("'" + text + "' is not an integer for long field " + field);
            }
        }

        @Override
        protected Query getFieldQuery(String field, String text, boolean quoted)
                throws ParseException {
            if (field.equals(EXISTS)) {
                typeOf(text);
                return new TermQuery(new Term(EXISTS, text));
            }
            // Elasticsearch's query_string reads field:>5, field:>=5, field:<5, field:<=5 as ranges.
            if (!quoted && text.length() > 1) {
                if (text.charAt(0) == '>') {
                    return text.length() > 2 && text.charAt(1) == '='
                            ? getRangeQuery(field, text.substring(2), null, true, true)
                            : getRangeQuery(field, text.substring(1), null, false, true);
                }
                if (text.charAt(0) == '<') {
                    return text.length() > 2 && text.charAt(1) == '='
                            ? getRangeQuery(field, null, text.substring(2), true, true)
                            : getRangeQuery(field, null, text.substring(1), true, false);
                }
            }
            if (typeOf(field) == Type.LONG) {
                return LongPoint.newExactQuery(field, toLong(field, text));
            }
            if (typeOf(field) == Type.IP) {
                return ipQuery(field, text);
            }
            return new TermQuery(new Term(field, getAnalyzer().normalize(field, text)));
        }

        @Override
        protected Query getRangeQuery(String field, String from, String to, boolean fromIncl,
                boolean toIncl) throws ParseException {
            if (typeOf(field) == Type.IP) {
                throw new ParseException("range on ip field " + field + " is not modelled");
            }
            if (typeOf(field) != Type.LONG) {
                return super.getRangeQuery(field, from, to, fromIncl, toIncl);
            }
            long low = from == null ? Long.MIN_VALUE : toLong(field, from);
            long high = to == null ? Long.MAX_VALUE : toLong(field, to);
            if (from != null && !fromIncl) {
                if (low == Long.MAX_VALUE) {
                    return new MatchNoDocsQuery();
                }
                low++;
            }
            if (to != null && !toIncl) {
                if (high == Long.MIN_VALUE) {
                    return new MatchNoDocsQuery();
                }
                high--;
            }
            return LongPoint.newRangeQuery(field, low, high);
        }

        @Override
        protected Query getWildcardQuery(String field, String text) throws ParseException {
            if (field.equals("*") && text.equals("*")) {
                return new MatchAllDocsQuery();
            }
            if (text.equals("*")) { // Elasticsearch turns field:* into an exists query
                typeOf(field);
                return new TermQuery(new Term(EXISTS, field));
            }
            // text still holds the query's escapes: WildcardQuery reads "\x" as a literal x, and
            // the normalizer skips escaped characters, so "\C" stays upper case (as in ES)
            patternType(field);
            return super.getWildcardQuery(field, text);
        }

        @Override
        protected Query getPrefixQuery(String field, String text) throws ParseException {
            patternType(field);
            return super.getPrefixQuery(field, text);
        }

        @Override
        protected Query getRegexpQuery(String field, String text) throws ParseException {
            patternType(field); // the normalizer lowercases the whole regexp, "[A-Z]" included
            return super.getRegexpQuery(field, text);
        }

        @Override
        protected Query getFuzzyQuery(String field, String text, float similarity)
                throws ParseException {
            patternType(field);
            return super.getFuzzyQuery(field, text, similarity);
        }

        /**
         * A Lucene BooleanQuery with only MUST_NOT clauses matches nothing; Elasticsearch's parser
         * adds a match-all clause so that "NOT a:b" and "x AND (NOT a:b)" mean what they say.
         */
        @Override
        protected Query getBooleanQuery(List<BooleanClause> clauses) throws ParseException {
            Query query = super.getBooleanQuery(clauses);
            if (!(query instanceof BooleanQuery) || ((BooleanQuery) query).clauses().isEmpty()) {
                return query;
            }
            BooleanQuery.Builder fixed = new BooleanQuery.Builder();
            for (BooleanClause clause : (BooleanQuery) query) {
                if (!clause.isProhibited()) {
                    return query;
                }
                fixed.add(clause);
            }
            fixed.add(new MatchAllDocsQuery(), BooleanClause.Occur.FILTER);
            return fixed.build();
        }
    }

    static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    static String[] parts(String line, int count) {
        String[] parts = line.split(" ", -1);
        if (parts.length != count) {
            throw new IllegalArgumentException("malformed request line: " + line);
        }
        return parts;
    }

    static void addValue(Document doc, MappingAnalyzer analyzer, Map<String, Type> types,
            String name, String value) {
        Type type = types.get(name);
        if (type == null) {
            throw new IllegalArgumentException("document field " + name + " has no type");
        }
        if (type == Type.LONG) {
            try {
                doc.add(new LongPoint(name, Long.parseLong(value)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "document value '" + value + "' of long field " + name + " is not a long");
            }
        } else if (type == Type.IP) {
            InetAddress address = toAddress(value);
            if (address == null) {
                throw new IllegalArgumentException(
                        "document value '" + value + "' of ip field " + name + " is not an ip");
            }
            doc.add(new InetAddressPoint(name, address));
        } else {
            doc.add(new StringField(name, analyzer.normalize(name, value), Field.Store.NO));
        }
        doc.add(new StringField(EXISTS, name, Field.Store.NO));
    }

    public static void main(String[] args) throws Exception {
        Map<String, Type> types = new HashMap<>();
        MappingAnalyzer analyzer = new MappingAnalyzer(types);
        List<Document> docs = new ArrayList<>();
        List<String> queries = new ArrayList<>();
        try {
            BufferedReader in = new BufferedReader(
                    new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                String tag = line.split(" ", 2)[0];
                if (tag.equals("FIELD")) {
                    String[] p = parts(line, 3);
                    types.put(decode(p[1]), Type.valueOf(p[2].toUpperCase(Locale.ROOT)));
                } else if (tag.equals("DOC")) {
                    Document doc = new Document();
                    doc.add(new StoredField(POSITION, docs.size()));
                    docs.add(doc);
                } else if (tag.equals("VALUE") && !docs.isEmpty()) {
                    String[] p = parts(line, 3);
                    addValue(docs.get(docs.size() - 1), analyzer, types, decode(p[1]), decode(p[2]));
                } else if (tag.equals("QUERY")) {
                    queries.add(decode(parts(line, 2)[1]));
                } else if (!line.isEmpty()) {
                    throw new IllegalArgumentException("unexpected request line: " + line);
                }
            }
        } catch (IllegalArgumentException e) { // also bad base64 and unknown field types
            System.err.println("LuceneQueryCheck: " + e.getMessage());
            System.exit(2);
        }

        ByteBuffersDirectory dir = new ByteBuffersDirectory();
        try (IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig(analyzer))) {
            writer.addDocuments(docs);
        }
        IndexSearcher searcher = new IndexSearcher(DirectoryReader.open(dir));
        StringBuilder out = new StringBuilder();
        for (String text : queries) {
            try {
                Query query = new Parser(types).parse(text);
                TreeSet<Integer> hits = new TreeSet<>();
                for (ScoreDoc hit : searcher.search(query, Math.max(1, docs.size())).scoreDocs) {
                    hits.add(searcher.doc(hit.doc).getField(POSITION).numericValue().intValue());
                }
                out.append("HITS");
                for (int hit : hits) {
                    out.append(' ').append(hit);
                }
            } catch (ParseException | RuntimeException e) { // e.g. invalid or too complex regexp
                String message = e instanceof ParseException ? e.getMessage() : e.toString();
                out.append("ERROR ").append(Base64.getEncoder().encodeToString(
                        message.getBytes(StandardCharsets.UTF_8)));
            }
            out.append('\n');
        }
        System.out.print(out);
        System.out.flush();
    }
}
