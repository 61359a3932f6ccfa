using OpsAutomation.Core.Metrics.Exposition;
using OpsAutomation.Models.Metrics;

namespace OpsAutomation.Core.Tests.Metrics.Exposition;

public sealed class ExpositionParserTests
{
    private const ExpositionFormat Text = ExpositionFormat.PrometheusText;
    private const ExpositionFormat Om = ExpositionFormat.OpenMetrics;

    private static IReadOnlyList<MetricSample> Parse(string text, ExpositionFormat format) => ExpositionParser.Parse(text, format);

    [Fact]
    public void A_text_format_exposition_reads_into_typed_samples_with_their_family()
    {
        var samples = Parse("""
            # HELP http_requests_total The total number of HTTP requests.
            # TYPE http_requests_total counter
            http_requests_total{method="post",code="200"} 1027 1395066363000
            http_requests_total{method="post",code="400"}    3 1395066363000

            # Escaping in label values:
            msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9
            # TYPE rpc_duration_seconds summary
            rpc_duration_seconds{quantile="0.5"} 4773
            rpc_duration_seconds_sum 1.7560473e+07
            rpc_duration_seconds_count 2693
            """, Text);

        Assert.Equal(6, samples.Count);
        Assert.Equal(MetricType.Counter, samples[0].Type);
        Assert.Equal("The total number of HTTP requests.", samples[0].Help);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1395066363000), samples[0].Timestamp);
        Assert.Equal("400", samples[1].Labels["code"]);
        Assert.Equal(@"C:\DIR\FILE.TXT", samples[2].Labels["path"]);
        Assert.Equal("Cannot find file:\n\"FILE.TXT\"", samples[2].Labels["error"]);
        Assert.Equal(MetricType.Unknown, samples[2].Type);
        Assert.All(samples.Skip(3), s => Assert.Equal(("rpc_duration_seconds", MetricType.Summary), (s.Family, s.Type)));
    }

    [Fact]
    public void An_openmetrics_exposition_reads_suffixes_units_timestamps_in_seconds_and_exemplars()
    {
        var samples = Parse("""
            # TYPE foo_seconds histogram
            # UNIT foo_seconds seconds
            # HELP foo_seconds A \"quoted\" help\nwith a newline.
            foo_seconds_bucket{le="0.1"} 8 # {trace_id="abc"} 0.05 1520879607.789
            foo_seconds_bucket{le="+Inf"} 10
            foo_seconds_count 10
            foo_seconds_sum 1.5
            foo_seconds_created 1520430000.123
            # TYPE requests counter
            requests_total 5 1520879607.5 # {a="b"} 1
            requests_created 1520430000
            # TYPE build info
            build_info{version="1.0"} 1
            # TYPE state stateset
            state{state="a"} 1
            state{state="b"} 0
            # TYPE g gaugehistogram
            g_bucket{le="+Inf"} 3
            g_gcount 3
            g_gsum 2
            # EOF
            """, Om);

        Assert.Equal(13, samples.Count);
        Assert.All(samples.Take(5), s => Assert.Equal(("foo_seconds", MetricType.Histogram, "seconds"), (s.Family, s.Type, s.Unit)));
        Assert.Equal("A \"quoted\" help\nwith a newline.", samples[0].Help);
        Assert.Equal(("requests", MetricType.Counter), (samples[5].Family, samples[5].Type));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1520879607500), samples[5].Timestamp);
        Assert.Equal(("build", MetricType.Info), (samples[7].Family, samples[7].Type));
        Assert.Equal(MetricType.StateSet, samples[9].Type);
        Assert.Equal(("g", MetricType.GaugeHistogram), (samples[12].Family, samples[12].Type));
    }

    [Theory]
    [InlineData("# HELP a \t  Spaced out.\na 1", "Spaced out.")]
    [InlineData("# HELP a Back\\\\slash\\nnewline\na 1", "Back\\slash\nnewline")]
    [InlineData("# HELP a Keeps \"quotes\"\na 1", "Keeps \"quotes\"")]
    public void Text_format_help_skips_leading_blanks_and_unescapes_backslash_and_newline(string exposition, string help) =>
        Assert.Equal(help, Parse(exposition, Text).Single().Help);

    [Fact]
    public void A_metric_name_followed_by_anything_but_a_blank_in_a_type_line_is_located()
    {
        var error = Assert.Throws<ExpositionFormatException>(() => Parse("# TYPE a-b gauge", Text));
        Assert.Equal((1, 9), (error.Line, error.Column));
    }

    [Theory]
    [InlineData("a NaN", double.NaN)]
    [InlineData("a +Inf", double.PositiveInfinity)]
    [InlineData("a -Inf", double.NegativeInfinity)]
    [InlineData("a 1e3", 1000.0)]
    [InlineData("a -0.5", -0.5)]
    [InlineData("a\t\t7", 7.0)]
    public void Text_format_values_include_nan_and_infinities(string line, double expected) =>
        Assert.Equal(expected, Parse(line, Text).Single().Value);

    [Theory]
    [InlineData("a{b=\"c\",} 1")]
    [InlineData("a { b = \"c\" } 1")]
    [InlineData("a{} 1")]
    [InlineData("  a 1  ")]
    [InlineData("# a free comment\na 1")]
    [InlineData("# EOF\na 1")]
    public void The_text_format_allows_what_prometheus_allows(string exposition) =>
        Assert.Single(Parse(exposition, Text));

    [Theory]
    [InlineData("a{b=\"c\" 1", 1, 9, "expected ',' or '}'")]
    [InlineData("a{b=\"c\",", 1, 2, "unterminated label set")]
    [InlineData("a{b=\"c} 1", 1, 5, "unterminated quoted value")]
    [InlineData("a{1b=\"c\"} 1", 1, 3, "invalid label name")]
    [InlineData("a{b-c=\"d\"} 1", 1, 3, "invalid label name")]
    [InlineData("a{b=c} 1", 1, 5, "must be quoted")]
    [InlineData("a{b=\"1\",b=\"2\"} 1", 1, 9, "duplicate label name b")]
    [InlineData("a{b=\"\\x\"} 1", 1, 6, "invalid escape sequence")]
    [InlineData("1a 1", 1, 1, "invalid metric name")]
    [InlineData("a one", 1, 3, "invalid sample value 'one'")]
    [InlineData("a", 1, 2, "a blank must separate")]
    [InlineData("a 1 1.5", 1, 5, "integer milliseconds")]
    [InlineData("a 1 2 3", 1, 7, "unexpected text")]
    [InlineData("# TYPE a countr\na 1", 1, 10, "unknown metric type 'countr'")]
    [InlineData("# TYPE a unknown", 1, 10, "unknown metric type 'unknown'")]
    [InlineData("# TYPE a gauge\n# TYPE a gauge", 2, 8, "second TYPE line")]
    [InlineData("# HELP a x\n# HELP a y", 2, 8, "second HELP line")]
    [InlineData("# HELP a bad \\t", 1, 14, "invalid escape sequence")]
    [InlineData("a 1\n# TYPE a gauge", 2, 8, "TYPE line for a after its samples")]
    [InlineData("a_bucket{le=\"1\"} 1\n# TYPE a histogram", 2, 8, "TYPE line for a after its samples")]
    [InlineData("a 1\nb 1\na{x=\"y\"} 2", 3, 1, "a family's lines must be together")]
    [InlineData("a 1\na 2", 2, 1, "duplicate sample")]
    [InlineData("# TYPE h histogram\nh 1", 2, 1, "does not fit the histogram family h")]
    [InlineData("# TYPE h histogram\nh_bucket 1", 2, 1, "without an le label")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"x\"} 1", 2, 9, "le label value 'x'")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1", 2, 1, "without its le=\"+Inf\" bucket")]
    [InlineData("# TYPE s summary\ns 1", 2, 1, "without a quantile label")]
    [InlineData("# TYPE s summary\ns{quantile=\"1.5\"} 1", 2, 2, "from 0 to 1")]
    public void Malformed_text_format_is_a_located_error(string exposition, int line, int column, string reason)
    {
        var error = Assert.Throws<ExpositionFormatException>(() => Parse(exposition, Text));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Equal(exposition.Split('\n')[line - 1], error.Text);
    }

    [Theory]
    [InlineData("a 1", 2, 1, "does not end with # EOF")]
    [InlineData("a 1\n# EOF\na 2", 3, 1, "text after # EOF")]
    [InlineData("a 1\n\n# EOF", 2, 1, "blank line")]
    [InlineData("# a comment\n# EOF", 1, 3, "unknown comment")]
    [InlineData("a  1\n# EOF", 1, 3, "exactly one space")]
    [InlineData("a\t1\n# EOF", 1, 2, "must separate")]
    [InlineData("a{b=\"c\",} 1\n# EOF", 1, 9, "must not end with a comma")]
    [InlineData("a 1 1700000000000000000\n# EOF", 1, 5, "out of range")]
    [InlineData("# TYPE a untyped\n# EOF", 1, 10, "unknown metric type 'untyped'")]
    [InlineData("# TYPE a Counter\n# EOF", 1, 10, "unknown metric type 'Counter'")]
    [InlineData("# TYPE c counter\nc 1\n# EOF", 2, 1, "does not fit the counter family c")]
    [InlineData("# TYPE c counter\nc_total -1\n# EOF", 2, 9, "must not be negative")]
    [InlineData("# TYPE c counter\nc_total 1\n# HELP c late\n# EOF", 3, 8, "metadata for c after its samples")]
    [InlineData("# TYPE c counter\n# TYPE d gauge\n# HELP c late\n# EOF", 3, 8, "whose family ended earlier")]
    [InlineData("# TYPE a_seconds gauge\n# UNIT a_seconds bytes\n# EOF", 2, 18, "must be the suffix")]
    [InlineData("# TYPE a gauge\na 1 # {x=\"y\"} 1\n# EOF", 2, 5, "exemplar is allowed only")]
    [InlineData("# TYPE c counter\nc_total 1 # {x=\"y\"}\n# EOF", 2, 20, "a space must separate the exemplar")]
    [InlineData("# TYPE c counter\nc_total 1 trailing\n# EOF", 2, 11, "invalid timestamp")]
    [InlineData("# TYPE i info\ni_info 2\n# EOF", 2, 8, "info value must be 1")]
    [InlineData("# TYPE s stateset\ns{t=\"a\"} 1\n# EOF", 2, 2, "without a s label")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 1\n# TYPE g gauge\n# EOF", 2, 1, "without its le=\"+Inf\" bucket")]
    public void Malformed_openmetrics_is_a_located_error(string exposition, int line, int column, string reason)
    {
        var error = Assert.Throws<ExpositionFormatException>(() => Parse(exposition, Om));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal((line, column), (error.Line, error.Column));
    }

    [Fact]
    public void Samples_before_the_error_stream_out_and_the_error_names_its_line()
    {
        using var reader = new StringReader("a 1\nb 2\nc{ 3\n");
        var read = new List<string>();
        var error = Assert.Throws<ExpositionFormatException>(() =>
        {
            foreach (var sample in ExpositionParser.Parse(reader, Text)) read.Add(sample.Name);
        });
        Assert.Equal(["a", "b"], read);
        Assert.Equal(3, error.Line);
    }

    [Theory]
    [InlineData("text/plain; version=0.0.4; charset=utf-8", ExpositionFormat.PrometheusText)]
    [InlineData("application/openmetrics-text; version=1.0.0; charset=utf-8", ExpositionFormat.OpenMetrics)]
    [InlineData(null, ExpositionFormat.PrometheusText)]
    [InlineData("text/html", null)]
    public void The_content_type_chooses_the_format(string? contentType, ExpositionFormat? expected) =>
        Assert.Equal(expected, ExpositionContentType.FromMediaType(contentType is null ? null : System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType)));
}
