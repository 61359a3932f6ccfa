# Escalation policies for Invoke-IncidentEscalation. An incident takes the first policy whose
# Service wildcard and MinimumSeverity match it. Each level is reached when nobody has
# acknowledged the incident for its Delay (from the previous level, or with From = 'Opened' from
# the opening), and pages its Channels. Secrets (the PagerDuty routing key, the Slack and Teams
# webhook URLs) are references: env:NAME, file:PATH or secret:NAME, never clear text.
# Run it every minute from the scheduler that runs the checks:
#   Invoke-IncidentEscalation -Path ./examples/incidents/escalation.psd1
@{
    # Shown as links in PagerDuty (and in webhook payloads); {id} becomes the incident id.
    ReportUrl = 'https://ops.example.com/incidents/{id}'

    Policies  = @(
        @{
            Name            = 'checkout'
            Service         = 'checkout*'
            MinimumSeverity = 'Error'
            Levels          = @(
                # At once: the team's channel, and Alertmanager (whose routes, silences and inhibitions then apply).
                @{
                    Delay    = '0s'
                    Channels = @(
                        @{ Type = 'Slack'; Uri = 'env:SLACK_WEBHOOK_URL' }
                        @{ Type = 'Alertmanager'; Uri = 'http://127.0.0.1:9093' }
                    )
                }
                # Unacknowledged for 15 minutes: page the on-call engineer.
                @{ Delay = '15m'; Channels = @( @{ Type = 'PagerDuty'; RoutingKey = 'env:PD_ROUTING_KEY_CHECKOUT' } ) }
                # Still unacknowledged an hour after it opened: the engineering manager's service, and Teams.
                @{
                    Delay    = '1h'
                    From     = 'Opened'
                    Channels = @(
                        @{ Type = 'PagerDuty'; RoutingKey = 'env:PD_ROUTING_KEY_MANAGERS' }
                        @{ Type = 'Teams'; Uri = 'env:TEAMS_WEBHOOK_URL' }
                    )
                }
            )
            # Then twice more from level 1, half an hour after the last level.
            Repeat          = @{ Count = 2; Delay = '30m' }
        }
        @{
            Name   = 'everything-else'
            Levels = @(
                @{ Delay = '5m'; Channels = @( @{ Type = 'Webhook'; Uri = 'https://hooks.example.com/ops'; TimeoutSec = 5 } ) }
            )
        }
    )
}
