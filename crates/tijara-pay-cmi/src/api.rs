//! CMI's XML API (`CC5Request`): capture (`PostAuth`), void (`Void`) and refund (`Credit`).
//! Not every merchant account has it; without [`crate::CmiApi`] these calls answer
//! `Unsupported`.

use crate::CmiGateway;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use tijara::ports::payment::{GatewayError, OperationResult, PaymentOperation};

/// The request body.
#[derive(Debug, Serialize)]
#[serde(rename = "CC5Request")]
pub struct Cc5Request<'a> {
    /// API user.
    #[serde(rename = "Name")]
    pub name: &'a str,
    /// API password.
    #[serde(rename = "Password")]
    pub password: &'a str,
    /// Merchant id.
    #[serde(rename = "ClientId")]
    pub client_id: &'a str,
    /// `PostAuth`, `Void` or `Credit`.
    #[serde(rename = "Type")]
    pub kind: &'a str,
    /// The attempt's `oid`.
    #[serde(rename = "OrderId")]
    pub order_id: &'a str,
    /// Amount (capture, refund).
    #[serde(rename = "Total", skip_serializing_if = "Option::is_none")]
    pub total: Option<String>,
    /// `504` with an amount.
    #[serde(rename = "Currency", skip_serializing_if = "Option::is_none")]
    pub currency: Option<&'a str>,
    /// The approved transaction's `TransId` (the engine's
    /// [`PaymentOperation::transaction_reference`]): sent with `Void`, which cancels one
    /// transaction of the order.
    #[serde(rename = "TransId", skip_serializing_if = "Option::is_none")]
    pub trans_id: Option<&'a str>,
}

/// The response body.
#[derive(Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename = "CC5Response")]
pub struct Cc5Response {
    /// `00` when approved.
    #[serde(rename = "ProcReturnCode", default)]
    pub proc_return_code: String,
    /// `Approved`, `Declined` or `Error`.
    #[serde(rename = "Response", default)]
    pub response: String,
    /// The message of an error.
    #[serde(rename = "ErrMsg", default)]
    pub err_msg: String,
    /// Transaction id.
    #[serde(rename = "TransId", default)]
    pub trans_id: String,
}

pub(crate) async fn call(
    gw: &CmiGateway,
    kind: &'static str,
    op: &PaymentOperation,
) -> Result<OperationResult, GatewayError> {
    let Some(api) = &gw.config.api else {
        return Err(GatewayError::Unsupported(match kind {
            "PostAuth" => "capture by API",
            "Void" => "void by API",
            _ => "refund by API",
        }));
    };
    let body = quick_xml::se::to_string(&Cc5Request {
        name: &api.user,
        password: api.password.expose_secret(),
        client_id: &gw.config.client_id,
        kind,
        order_id: &op.attempt_id,
        total: op.amount.map(|a| format!("{:.2}", a.amount())),
        currency: op.amount.map(|_| "504"),
        trans_id: match kind {
            "Void" => op.transaction_reference.as_deref(),
            _ => None,
        },
    })
    .map_err(|e| GatewayError::Config(e.to_string()))?;
    let res = gw
        .http
        .post(&api.url)
        .header("Content-Type", "text/xml; charset=utf-8")
        .body(body)
        .send()
        .await
        .map_err(|e| {
            GatewayError::Temporary(format!("CMI API unreachable: {}", e.without_url()))
        })?;
    let status = res.status();
    let text = res.text().await.map_err(|e| {
        GatewayError::Temporary(format!("CMI API answer unreadable: {}", e.without_url()))
    })?;
    if status.is_server_error() || status.as_u16() == 429 {
        return Err(GatewayError::Temporary(format!(
            "CMI API answered {status}"
        )));
    }
    let r: Cc5Response = quick_xml::de::from_str(&text).map_err(|e| {
        GatewayError::Temporary(format!("CMI API answer is not a CC5Response: {e}"))
    })?;
    if r.proc_return_code != "00" {
        return Err(GatewayError::Declined(
            format!(
                "{kind}: {} {} {}",
                r.proc_return_code, r.response, r.err_msg
            )
            .trim()
            .to_owned(),
        ));
    }
    let reference = if r.trans_id.is_empty() {
        format!("{}:{kind}", op.attempt_id)
    } else {
        r.trans_id.clone()
    };
    Ok(OperationResult::new(reference).with_raw(
        serde_json::json!({"Type": kind, "ProcReturnCode": r.proc_return_code, "Response": r.response, "TransId": r.trans_id}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_and_response_shapes() {
        let xml = quick_xml::se::to_string(&Cc5Request {
            name: "api",
            password: "p<w>",
            client_id: "600000001",
            kind: "Credit",
            order_id: "ord_1-1",
            total: Some("10.50".into()),
            currency: Some("504"),
            trans_id: None,
        })
        .expect("xml");
        assert_eq!(
            xml,
            "<CC5Request><Name>api</Name><Password>p&lt;w&gt;</Password><ClientId>600000001</ClientId><Type>Credit</Type>\
             <OrderId>ord_1-1</OrderId><Total>10.50</Total><Currency>504</Currency></CC5Request>"
        );
        let r: Cc5Response = quick_xml::de::from_str(
            "<CC5Response><OrderId>x</OrderId><Response>Approved</Response><ProcReturnCode>00</ProcReturnCode><TransId>T1</TransId><ErrMsg></ErrMsg></CC5Response>",
        )
        .expect("parse");
        assert_eq!(
            (r.proc_return_code.as_str(), r.trans_id.as_str()),
            ("00", "T1")
        );
    }
}
