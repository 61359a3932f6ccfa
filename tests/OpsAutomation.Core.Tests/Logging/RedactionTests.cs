using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.Logging;

public sealed class RedactionTests
{
    [Theory]
    [InlineData("Authorization: Bearer abcdef123456", "abcdef123456")]
    [InlineData("authorization=Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA")]
    [InlineData("Cookie: session=0123456789abcdef", "0123456789abcdef")]
    [InlineData("https://admin:Pa55word!@es.internal:9200/_cluster/health", "Pa55word!")]
    [InlineData("GET https://api.test/v1?api_key=AKIA1234567890&x=1", "AKIA1234567890")]
    [InlineData("https://api.test/v1?access_token=tok-998877", "tok-998877")]
    [InlineData("Host=db;Username=ops;Password=db-pass-42;Database=x", "db-pass-42")]
    [InlineData("{\"user\":\"ops\",\"password\":\"json-secret-1\"}", "json-secret-1")]
    public void Secrets_in_text_are_masked(string text, string secret)
    {
        var redacted = new SecretRedactor().Redact(text);
        Assert.DoesNotContain(secret, redacted);
        Assert.Contains(SecretRedactor.Mask, redacted);
    }

    [Fact]
    public void Ordinary_text_is_left_alone()
    {
        const string text = "https://es.internal:9200/_cluster/health?level=indices answered HTTP 503 (expected 2xx)";
        Assert.Equal(text, new SecretRedactor().Redact(text));
    }

    [Theory]
    [InlineData("token\tabcdef123456", "abcdef123456")]
    [InlineData("Bearer\u00A0abcdef123456", "abcdef123456")]
    [InlineData("see https://u:pw-secret-1@h.test", "pw-secret-1")]
    public void Secrets_behind_any_white_space_or_user_info_are_masked(string text, string secret)
    {
        Assert.DoesNotContain(secret, new SecretRedactor().Redact(text));
    }

    [Theory]
    [InlineData("health-check")]
    [InlineData("http://127.0.0.1:8080/t/1")]
    [InlineData("web is Healthy.")]
    public void Text_without_a_secret_comes_back_unchanged(string text)
    {
        Assert.Equal(text, new SecretRedactor().Redact(text));
    }

    [Fact]
    public void A_resolved_secret_is_masked_wherever_it_appears()
    {
        var redactor = new SecretRedactor();
        redactor.AddSecret("correct-horse-battery");
        Assert.Equal("error: [REDACTED] rejected", redactor.Redact("error: correct-horse-battery rejected"));
    }

    [Fact]
    public void No_secret_reaches_the_log_file()
    {
        using var dir = new TempDirectory();
        var redactor = new SecretRedactor();
        redactor.AddSecret("resolved-secret-value");
        using (var log = new OpsLog("run1", new OpsLogOptions { Directory = dir.Path }, redactor))
        {
            log.Write(new LogRecord
            {
                Action = "health-check",
                Message = "failed with resolved-secret-value and Authorization: Bearer zzzzzz999999",
                Url = "https://u:url-password@h.test/?token=query-token-1",
                ErrorMessage = "Cookie: sid=cookie-value-77",
                Labels = new Dictionary<string, string?> { ["api_key"] = "label-key-55", ["region"] = "eu" },
            });
        }
        var text = string.Concat(Directory.GetFiles(dir.Path, "*.json").Select(File.ReadAllText));
        foreach (var secret in new[] { "resolved-secret-value", "zzzzzz999999", "url-password", "query-token-1", "cookie-value-77", "label-key-55" })
            Assert.DoesNotContain(secret, text);
        Assert.Contains("\"labels.region\":\"eu\"", text);
    }

    [Fact]
    public void Lines_written_one_after_another_carry_only_their_own_fields()
    {
        var lines = new List<string>();
        var hugeError = new string('x', 200_000);
        using (var log = new OpsLog("run-7", new OpsLogOptions { Console = lines.Add }, new SecretRedactor()))
        {
            log.Write(new LogRecord { Action = "first", Message = "one", ErrorMessage = hugeError });
            log.Write(new LogRecord { Action = "second", Message = "two" });
            log.Write(new LogRecord { Action = "third", Message = "three", ServiceName = "web" });
        }
        Assert.Equal(3, lines.Count);
        using (var first = System.Text.Json.JsonDocument.Parse(lines[0]))
            Assert.Equal(hugeError, first.RootElement.GetProperty("error.message").GetString());
        using var second = System.Text.Json.JsonDocument.Parse(lines[1]);
        Assert.Equal("two", second.RootElement.GetProperty("message").GetString());
        Assert.False(second.RootElement.TryGetProperty("error.message", out _));
        using var third = System.Text.Json.JsonDocument.Parse(lines[2]);
        Assert.Equal("web", third.RootElement.GetProperty("service.name").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", third.RootElement.GetProperty("@timestamp").GetString());
    }

    [Fact]
    public void A_log_line_is_one_json_object_with_ecs_fields()
    {
        using var dir = new TempDirectory();
        var lines = new List<string>();
        using (var log = new OpsLog("run-42", new OpsLogOptions { Console = lines.Add }, new SecretRedactor()))
        {
            log.Write(new LogRecord { Action = "health-check", Outcome = "failure", Message = "web is Unreachable: {braces} kept", Duration = TimeSpan.FromMilliseconds(12), ServiceName = "web", ErrorType = "Timeout" });
        }
        var line = Assert.Single(lines);
        using var json = System.Text.Json.JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Equal("info", root.GetProperty("log.level").GetString());
        Assert.Equal("health-check", root.GetProperty("event.action").GetString());
        Assert.Equal("failure", root.GetProperty("event.outcome").GetString());
        Assert.Equal(12_000_000, root.GetProperty("event.duration").GetInt64());
        Assert.Equal("web", root.GetProperty("service.name").GetString());
        Assert.Equal("Timeout", root.GetProperty("error.type").GetString());
        Assert.Equal("run-42", root.GetProperty("labels.run_id").GetString());
        Assert.Equal("web is Unreachable: {braces} kept", root.GetProperty("message").GetString());
        Assert.True(root.TryGetProperty("@timestamp", out _));
    }
}
