using System.Globalization;
using System.Text;

namespace OpsAutomation.Sandbox.Pods;

/// <summary>The sample application's Prometheus metrics: requests by path and status code, and the latency histogram of /.</summary>
public sealed class SampleAppMetrics
{
    private static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Lock _gate = new();
    private readonly SortedDictionary<(string Path, int Code), long> _requests = [];
    private readonly long[] _bucketCounts = new long[Buckets.Length];
    private double _sum;
    private long _count;

    public void Record(string path, int code, TimeSpan? latency)
    {
        lock (_gate)
        {
            _requests[(path, code)] = _requests.GetValueOrDefault((path, code)) + 1;
            if (latency is { } l)
            {
                _count++;
                _sum += l.TotalSeconds;
                for (var i = 0; i < Buckets.Length; i++)
                {
                    if (l.TotalSeconds <= Buckets[i])
                    {
                        _bucketCounts[i]++;
                    }
                }
            }
        }
    }

    /// <summary>The Prometheus text exposition format (version 0.0.4).</summary>
    public string Text()
    {
        var text = new StringBuilder();
        lock (_gate)
        {
            text.Append("# HELP sample_http_requests_total HTTP requests served, by path and status code.\n");
            text.Append("# TYPE sample_http_requests_total counter\n");
            foreach (var ((path, code), count) in _requests)
            {
                text.Append(CultureInfo.InvariantCulture, $"sample_http_requests_total{{path=\"{path}\",code=\"{code}\"}} {count}\n");
            }
            text.Append("# HELP sample_http_request_duration_seconds Latency of the requests to /.\n");
            text.Append("# TYPE sample_http_request_duration_seconds histogram\n");
            for (var i = 0; i < Buckets.Length; i++)
            {
                text.Append(CultureInfo.InvariantCulture, $"sample_http_request_duration_seconds_bucket{{le=\"{Buckets[i]}\"}} {_bucketCounts[i]}\n");
            }
            text.Append(CultureInfo.InvariantCulture, $"sample_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {_count}\n");
            text.Append(CultureInfo.InvariantCulture, $"sample_http_request_duration_seconds_sum {_sum}\n");
            text.Append(CultureInfo.InvariantCulture, $"sample_http_request_duration_seconds_count {_count}\n");
        }
        return text.ToString();
    }
}
