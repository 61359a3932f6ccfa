using System.Globalization;
using System.Text.Json;
using OpsAutomation.Core.Http;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health.Services;

/// <summary>
/// The Prometheus family (Prometheus, Alertmanager, Pushgateway): /-/healthy says the process
/// works, /-/ready that it serves traffic (503 while it starts or replays its WAL). For
/// Prometheus, a MaxTargetsDownRatio adds /api/v1/targets: too many targets down is Degraded.
/// </summary>
internal sealed class ReadinessProbe : IHealthProbe
{
    private readonly HttpClientProvider _clients;
    private readonly TimeProvider _time;

    public ReadinessProbe(HttpClientProvider clients, TimeProvider time)
    {
        _clients = clients;
        _time = time;
    }

    public async Task<ProbeOutcome> ProbeAsync(PreparedCheck check, CancellationToken cancellationToken)
    {
        HttpAnswer? answer = null;
        foreach (var endpoint in (string[])["-/healthy", "-/ready"])
        {
            answer = await HttpAnswer.SendAsync(_clients, check, ServiceApi.Resolve(check, endpoint), "GET", cancellationToken).ConfigureAwait(false);
            if (!answer.IsSuccess)
            {
                var failed = HttpVerdicts.Refused(answer) ?? HttpVerdicts.BadStatus(answer, "200");
                return failed with { Error = $"/{endpoint}: {failed.Error}{(answer.Body.Length > 0 ? $" '{HttpVerdicts.Preview(answer.Body)}'" : "")}" };
            }
        }

        var outcome = ProbeOutcome.Healthy() with { StatusCode = answer!.StatusCode, Details = answer.BaseDetails() };
        if (check.Definition.Kind == HealthCheckKind.Prometheus && check.Definition.MaxTargetsDownRatio is { } limit)
        {
            var targets = await HttpAnswer.SendAsync(_clients, check, ServiceApi.Resolve(check, "api/v1/targets?state=active"), "GET", cancellationToken).ConfigureAwait(false);
            outcome = JudgeTargets(targets, limit);
        }
        return HttpVerdicts.CheckCertificate(outcome, answer, check.Definition, _time.GetUtcNow());
    }

    internal static ProbeOutcome JudgeTargets(HttpAnswer answer, double limit)
    {
        if (HttpVerdicts.Refused(answer) is { } refused) return refused;
        if (!answer.IsSuccess) return HttpVerdicts.BadStatus(answer, "200");
        if (!HttpVerdicts.TryParseJson(answer, "the targets answer", out var root, out var invalid)) return invalid;
        if (ServiceApi.Path(root, "data", "activeTargets") is not { ValueKind: JsonValueKind.Array } active)
            return HttpVerdicts.UnexpectedShape(answer, "the targets answer", "'data.activeTargets'");

        var total = 0;
        var down = new List<string>();
        foreach (var target in active.EnumerateArray())
        {
            total++;
            if (ServiceApi.String(target, "health") == "down")
                down.Add(ServiceApi.String(target, "scrapeUrl") ?? "?");
        }
        var ratio = total == 0 ? 0 : (double)down.Count / total;
        var details = answer.BaseDetails();
        details["TargetsTotal"] = total;
        details["TargetsDown"] = down.Count;
        if (down.Count > 0) details["DownTargets"] = string.Join(", ", down.Take(10));
        if (ratio <= limit) return ProbeOutcome.Healthy() with { StatusCode = answer.StatusCode, Details = details };
        return new ProbeOutcome(HealthStatus.Degraded, HealthErrorKind.ServiceState,
            string.Create(CultureInfo.InvariantCulture, $"{down.Count} of {total} scrape targets down ({ratio * 100:0.#}%, over the {limit * 100:0.#}% limit)"))
        {
            StatusCode = answer.StatusCode,
            Details = details,
        };
    }
}
