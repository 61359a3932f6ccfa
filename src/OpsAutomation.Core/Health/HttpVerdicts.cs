using System.Globalization;
using System.Text.Json;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health;

/// <summary>The judgements every HTTP-based probe shares: refused credentials, JSON bodies, expiring certificates.</summary>
internal static class HttpVerdicts
{
    /// <summary>401 and 403 mean the service works but refuses us: Unhealthy, with the service's own reason when it gives one.</summary>
    public static ProbeOutcome? Refused(HttpAnswer answer)
    {
        if (answer.StatusCode is not (401 or 403)) return null;
        var reason = TryParse(answer.Body, out var root) ? ServiceReason(root) : null;
        var advice = answer.StatusCode == 401 ? "the credentials were missing or refused" : "the credentials lack permission";
        return new ProbeOutcome(HealthStatus.Unhealthy, HealthErrorKind.Authentication,
            reason is null ? $"{answer.StatusText}: {advice}" : $"{answer.StatusText}: {advice} ({reason})")
        {
            StatusCode = answer.StatusCode,
            Details = answer.BaseDetails(),
        };
    }

    /// <summary>Parses the body as JSON; a truncated or malformed body is Unhealthy with where it broke.</summary>
    public static bool TryParseJson(HttpAnswer answer, string what, out JsonElement root, out ProbeOutcome failure)
    {
        failure = null!;
        try
        {
            using var document = JsonDocument.Parse(answer.Body);
            root = document.RootElement.Clone();
            return true;
        }
        catch (JsonException ex)
        {
            root = default;
            var where = ex.BytePositionInLine is { } position ? $" at byte {position.ToString(CultureInfo.InvariantCulture)}" : "";
            var status = answer.IsSuccess ? "" : $"{answer.StatusText}, and ";
            failure = new ProbeOutcome(HealthStatus.Unhealthy, answer.IsSuccess ? HealthErrorKind.InvalidResponse : HealthErrorKind.HttpStatus,
                $"{status}{what} is not valid JSON{where} ({answer.Body.Length} characters{(answer.Body.Length == 0 ? "" : $", starting '{Preview(answer.Body)}'")})")
            {
                StatusCode = answer.StatusCode,
                Details = answer.BaseDetails(),
            };
            return false;
        }
    }

    /// <summary>A well-formed answer of the wrong shape: a proxy's page, another service on the port.</summary>
    public static ProbeOutcome UnexpectedShape(HttpAnswer answer, string what, string missing) =>
        new(HealthStatus.Unhealthy, answer.IsSuccess ? HealthErrorKind.InvalidResponse : HealthErrorKind.HttpStatus,
            $"{(answer.IsSuccess ? "" : answer.StatusText + ": ")}{what} has no {missing} (starts '{Preview(answer.Body)}')")
        {
            StatusCode = answer.StatusCode,
            Details = answer.BaseDetails(),
        };

    /// <summary>A non-2xx answer without anything more specific to say.</summary>
    public static ProbeOutcome BadStatus(HttpAnswer answer, string expected)
    {
        var reason = TryParse(answer.Body, out var root) ? ServiceReason(root) : null;
        return new ProbeOutcome(HealthStatus.Unhealthy, HealthErrorKind.HttpStatus,
            $"{answer.StatusText} (expected {expected}){(reason is null ? "" : ": " + reason)}")
        {
            StatusCode = answer.StatusCode,
            Details = answer.BaseDetails(),
        };
    }

    /// <summary>A healthy outcome over an HTTPS certificate that expires within the window becomes Degraded.</summary>
    public static ProbeOutcome CheckCertificate(ProbeOutcome outcome, HttpAnswer answer, HealthCheckDefinition definition, DateTimeOffset now)
    {
        if (outcome.Status != HealthStatus.Healthy || definition.CertificateExpiryDays <= 0 || answer.Certificate is not { } certificate)
            return outcome;
        var left = certificate.NotAfter - now;
        if (left > TimeSpan.FromDays(definition.CertificateExpiryDays)) return outcome;
        var when = certificate.NotAfter.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        return outcome with
        {
            Status = HealthStatus.Degraded,
            ErrorKind = HealthErrorKind.CertificateExpiring,
            Error = left <= TimeSpan.Zero
                ? $"the certificate of {certificate.Subject} expired at {when}"
                : $"the certificate of {certificate.Subject} expires in {left.TotalDays:0.#} days ({when}), within the {definition.CertificateExpiryDays}-day warning",
        };
    }

    /// <summary>The first characters of a body, on one line, for a reason text.</summary>
    public static string Preview(string body)
    {
        var line = body.ReplaceLineEndings(" ").Trim();
        return line.Length <= 60 ? line : line[..57] + "...";
    }

    private static bool TryParse(string body, out JsonElement root)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            root = document.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            root = default;
            return false;
        }
    }

    /// <summary>The reason a service puts in its error body: Elasticsearch's error.type/reason, Kibana's and Grafana's message.</summary>
    private static string? ServiceReason(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) return null;
        if (root.TryGetProperty("error", out var error))
        {
            if (error.ValueKind == JsonValueKind.String) return Preview(error.GetString()!);
            if (error.ValueKind == JsonValueKind.Object)
            {
                var type = error.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                var reason = error.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
                return type is null ? reason : reason is null ? type : $"{type}: {reason}";
            }
        }
        return root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String ? message.GetString() : null;
    }
}
