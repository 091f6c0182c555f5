"""cfn-lint rules for template.yaml that the built-in ones do not cover.

Run as `cfn-lint --append-rules .ci/cfnlint template.yaml`. They look at the
template after the SAM transform, i.e. at what CloudFormation deploys.
"""

import re

from cfnlint.rules import CloudFormationLintRule, RuleMatch


def _target(value):
    """The logical id a Ref or Fn::GetAtt names, else None."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        att = value.get("Fn::GetAtt")
        if isinstance(att, list) and att:
            return att[0]
        if isinstance(att, str):
            return att.split(".")[0]
    return None


class OnePublicInvokePermission(CloudFormationLintRule):
    """A public function URL needs exactly one lambda:InvokeFunction
    permission with InvokedViaFunctionUrl (since October 2025; SAM >= 1.101
    generates it) and one lambda:InvokeFunctionUrl permission."""

    id = "E9101"
    shortdesc = "Exactly one public invoke permission per function URL"
    description = (
        "A function URL with AuthType NONE needs exactly one lambda:InvokeFunction "
        "permission (InvokedViaFunctionUrl: true) and one lambda:InvokeFunctionUrl permission"
    )
    tags = ["resources", "lambda", "filetolink"]

    def match(self, cfn):
        matches = []
        permissions = cfn.get_resources(["AWS::Lambda::Permission"])
        for name, url in cfn.get_resources(["AWS::Lambda::Url"]).items():
            props = url.get("Properties", {})
            if props.get("AuthType") != "NONE":
                continue
            fn = _target(props.get("TargetFunctionArn"))
            for action, flag in (
                ("lambda:InvokeFunction", "InvokedViaFunctionUrl"),
                ("lambda:InvokeFunctionUrl", "FunctionUrlAuthType"),
            ):
                found = [
                    p
                    for p, res in permissions.items()
                    if res.get("Properties", {}).get("Action") == action
                    and res.get("Properties", {}).get(flag) not in (None, False, "false")
                    and _target(res.get("Properties", {}).get("FunctionName")) == fn
                ]
                if len(found) != 1:
                    matches.append(
                        RuleMatch(
                            ["Resources", name],
                            f"function URL {name} of {fn} has {len(found)} {action} permissions "
                            f"with {flag} ({', '.join(sorted(found)) or 'none'}), want exactly 1",
                        )
                    )
        return matches


class IntegerMaxResponseBytes(CloudFormationLintRule):
    """MAX_RESPONSE_BYTES is a whole number of bytes: a parameter behind it
    must refuse "1.5" or "1e6" at deploy time (a Number parameter accepts
    them, and the function would then answer 503 to every request)."""

    id = "E9102"
    shortdesc = "MAX_RESPONSE_BYTES takes integers only"
    description = "The parameter behind MAX_RESPONSE_BYTES must be a String with AllowedPattern ^[0-9]+$"
    tags = ["parameters", "filetolink"]

    DIGITS = re.compile(r"^\^?(\[0-9\]|\\d)\+\$?$")

    def match(self, cfn):
        matches = []
        params = cfn.template.get("Parameters", {})
        for name, fn in cfn.get_resources(["AWS::Lambda::Function"]).items():
            env = fn.get("Properties", {}).get("Environment", {}).get("Variables", {})
            value = env.get("MAX_RESPONSE_BYTES")
            if value is None:
                continue
            ref = _target(value)
            if ref is None or ref not in params:
                continue
            p = params[ref]
            if p.get("Type") != "String" or not self.DIGITS.match(str(p.get("AllowedPattern", ""))):
                matches.append(
                    RuleMatch(
                        ["Parameters", ref],
                        f"parameter {ref} (MAX_RESPONSE_BYTES of {name}) must be Type String "
                        f"with AllowedPattern ^[0-9]+$, not Type {p.get('Type')} "
                        f"AllowedPattern {p.get('AllowedPattern')!r}",
                    )
                )
        return matches
