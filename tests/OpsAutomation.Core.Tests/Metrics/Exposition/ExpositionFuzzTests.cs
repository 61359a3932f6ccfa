using OpsAutomation.Core.Metrics.Exposition;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.Metrics.Exposition;

/// <summary>Random and adversarial expositions: samples or an ExpositionFormatException naming the line, never another exception or a hang.</summary>
public sealed class ExpositionFuzzTests
{
    private static readonly string[] Corpus =
    [
        "# HELP http_requests_total The total number of HTTP requests.\n# TYPE http_requests_total counter\n" +
        "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\nhttp_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n\n" +
        "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n" +
        "# TYPE rpc_duration_seconds summary\nrpc_duration_seconds{quantile=\"0.5\"} 4773\nrpc_duration_seconds_sum 1.7560473e+07\nrpc_duration_seconds_count 2693\n" +
        "# TYPE h histogram\nh_bucket{le=\"0.1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 0.3\nh_count 2\nup NaN\ndown -Inf\n",
        "# TYPE foo_seconds histogram\n# UNIT foo_seconds seconds\n# HELP foo_seconds A \\\"quoted\\\" help\\nwith a newline.\n" +
        "foo_seconds_bucket{le=\"0.1\"} 8 # {trace_id=\"abc\"} 0.05 1520879607.789\nfoo_seconds_bucket{le=\"+Inf\"} 10\nfoo_seconds_count 10\nfoo_seconds_sum 1.5\n" +
        "foo_seconds_created 1520430000.123\n# TYPE requests counter\nrequests_total 5 1520879607.5 # {a=\"b\"} 1\nrequests_created 1520430000\n" +
        "# TYPE build info\nbuild_info{version=\"1.0\"} 1\n# TYPE state stateset\nstate{state=\"a\"} 1\nstate{state=\"b\"} 0\n" +
        "# TYPE g gaugehistogram\ng_bucket{le=\"+Inf\"} 3\ng_gcount 3\ng_gsum 2\n# EOF\n",
    ];

    private static readonly string[] Tokens =
    [
        "# TYPE x counter\n", "# TYPE x histogram\n", "# TYPE x summary\n", "# HELP x h\n", "# UNIT x seconds\n", "# EOF\n", "\n", "{", "}", "=", ",", "\"",
        "le=\"+Inf\"", "quantile=\"0.5\"", "_bucket", "_total", "_created", "_sum", "_count", " 1", " -1", " 1e400", " NaN", " +Inf", " 0x10",
        " 1395066363000", " # {a=\"b\"} 1", "\\\\", "\\n", "\\\"", "x", ":", "_",
    ];

    [Theory]
    [InlineData(ExpositionFormat.PrometheusText)]
    [InlineData(ExpositionFormat.OpenMetrics)]
    public void Mutated_expositions_parse_or_fail_with_ExpositionFormatException(ExpositionFormat format) =>
        new Fuzz(Corpus, Tokens, [("{", "}"), ("# {", "}")]).Run(1500, input =>
            Fuzz.Allowing<ExpositionFormatException>(() => ExpositionParser.Parse(input, format)));
}
