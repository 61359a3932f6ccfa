using System.Text.RegularExpressions;
using OpsAutomation.Core.Health.Conditions;
using OpsAutomation.Core.Http;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health;

/// <summary>A generic HTTP(S) request judged by status code, body pattern, JSON conditions, header patterns and certificate expiry.</summary>
internal sealed class HttpHealthProbe : IHealthProbe
{
    private readonly HttpClientProvider _clients;
    private readonly TimeProvider _time;

    public HttpHealthProbe(HttpClientProvider clients, TimeProvider time)
    {
        _clients = clients;
        _time = time;
    }

    public async Task<ProbeOutcome> ProbeAsync(PreparedCheck check, CancellationToken cancellationToken)
    {
        var definition = check.Definition;
        var answer = await HttpAnswer.SendAsync(_clients, check, new Uri(definition.Target), definition.Method, cancellationToken).ConfigureAwait(false);
        var outcome = Judge(answer, definition);
        return HttpVerdicts.CheckCertificate(outcome, answer, definition, _time.GetUtcNow());
    }

    private static ProbeOutcome Judge(HttpAnswer answer, HealthCheckDefinition definition)
    {
        var expected = definition.ExpectedStatusCodes;
        var statusOk = expected.Count == 0 ? answer.IsSuccess : expected.Contains(answer.StatusCode);
        if (!statusOk)
            return HttpVerdicts.Refused(answer) ?? HttpVerdicts.BadStatus(answer, expected.Count == 0 ? "2xx" : string.Join(", ", expected));

        if (definition.BodyPattern is { } pattern && !Regex.IsMatch(answer.Body, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
            return ConditionFailed(answer, $"the body does not match /{pattern}/");

        foreach (var (header, headerPattern) in definition.HeaderPatterns)
        {
            if (!answer.Headers.TryGetValue(header, out var value))
                return ConditionFailed(answer, $"the response has no {header} header");
            if (!Regex.IsMatch(value, headerPattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
                return ConditionFailed(answer, $"header {header} '{HttpVerdicts.Preview(value)}' does not match /{headerPattern}/");
        }

        if (definition.JsonConditions.Count > 0)
        {
            if (!HttpVerdicts.TryParseJson(answer, "the body", out var root, out var failure)) return failure;
            foreach (var text in definition.JsonConditions)
            {
                if (JsonCondition.Parse(text).Evaluate(root) is { } reason) return ConditionFailed(answer, reason);
            }
        }

        return ProbeOutcome.Healthy() with { StatusCode = answer.StatusCode, Details = answer.BaseDetails() };
    }

    private static ProbeOutcome ConditionFailed(HttpAnswer answer, string reason) =>
        new(HealthStatus.Unhealthy, HealthErrorKind.Condition, reason) { StatusCode = answer.StatusCode, Details = answer.BaseDetails() };
}
