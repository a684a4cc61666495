"""The "Text classification with torchtext" tutorial without torchtext: a vocab, collate_batch with offsets,
nn.EmbeddingBag + Linear, SGD with clip_grad_norm_ and StepLR."""
import random
import time
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

random.seed(2)
rng = np.random.default_rng(6)
topics = {0: "ball goal team match coach", 1: "market stock price bank trade", 2: "cpu code chip data cloud"}
filler = "the a of and to in is on for with".split()


def make_sentence(label):
    words = topics[label].split()
    return " ".join(random.choice(words) if random.random() < 0.5 else random.choice(filler) for _ in range(random.randint(4, 9)))


train_iter = [(label, make_sentence(label)) for label in [random.randint(0, 2) for _ in range(48)]]
test_iter = [(label, make_sentence(label)) for label in [random.randint(0, 2) for _ in range(12)]]
tokenizer = str.split
vocab = {"<unk>": 0}
for _, text in train_iter:
    for tok in tokenizer(text):
        vocab.setdefault(tok, len(vocab))
text_pipeline = lambda x: [vocab.get(tok, 0) for tok in tokenizer(x)]
label_pipeline = lambda x: int(x)
print(len(vocab), text_pipeline("the ball and the bank"))


def collate_batch(batch):
    label_list, text_list, offsets = [], [], [0]
    for _label, _text in batch:
        label_list.append(label_pipeline(_label))
        processed_text = torch.tensor(text_pipeline(_text), dtype=torch.int64)
        text_list.append(processed_text)
        offsets.append(processed_text.size(0))
    label_list = torch.tensor(label_list, dtype=torch.int64)
    offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
    text_list = torch.cat(text_list)
    return label_list, text_list, offsets


class TextClassificationModel(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_class):
        super(TextClassificationModel, self).__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
        self.fc = nn.Linear(embed_dim, num_class)
        self.init_weights()

    def init_weights(self):
        initrange = 0.5
        with torch.no_grad():
            self.embedding.weight.copy_(torch.tensor(rng.uniform(-initrange, initrange, tuple(self.embedding.weight.shape)), dtype=torch.float32))
            self.fc.weight.copy_(torch.tensor(rng.uniform(-initrange, initrange, tuple(self.fc.weight.shape)), dtype=torch.float32))
        self.fc.bias.data.zero_()

    def forward(self, text, offsets):
        embedded = self.embedding(text, offsets)
        return self.fc(embedded)


num_class = len(set([label for (label, text) in train_iter]))
model = TextClassificationModel(len(vocab), 8, num_class)
print(model)
EPOCHS, LR, BATCH_SIZE = 4, 5, 8
criterion = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=LR)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.1)
train_dataloader = DataLoader(train_iter, batch_size=BATCH_SIZE, shuffle=False, collate_fn=collate_batch)
test_dataloader = DataLoader(test_iter, batch_size=BATCH_SIZE, shuffle=False, collate_fn=collate_batch)
label, text, offsets = next(iter(train_dataloader))
print(label, text.shape, offsets)


def train(dataloader):
    model.train()
    total_acc, total_count = 0, 0
    for idx, (label, text, offsets) in enumerate(dataloader):
        optimizer.zero_grad()
        predicted_label = model(text, offsets)
        loss = criterion(predicted_label, label)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        optimizer.step()
        total_acc += (predicted_label.argmax(1) == label).sum().item()
        total_count += label.size(0)
    return total_acc / total_count, loss


def evaluate(dataloader):
    model.eval()
    total_acc, total_count = 0, 0
    with torch.no_grad():
        for idx, (label, text, offsets) in enumerate(dataloader):
            predicted_label = model(text, offsets)
            total_acc += (predicted_label.argmax(1) == label).sum().item()
            total_count += label.size(0)
    return total_acc / total_count


total_accu = None
for epoch in range(1, EPOCHS + 1):
    epoch_start_time = time.time()
    train_acc, loss = train(train_dataloader)
    accu_val = evaluate(test_dataloader)
    if total_accu is not None and total_accu > accu_val:
        scheduler.step()
    else:
        total_accu = accu_val
    print("| end of epoch {:3d} | train accuracy {:8.3f} | valid accuracy {:8.3f} | loss {:.4f} | lr {}".format(
        epoch, train_acc, accu_val, loss.item(), scheduler.get_last_lr()))
print(loss.grad_fn, model.embedding.weight.grad.abs().sum() > 0)
bag = nn.EmbeddingBag(5, 2, mode="max")
with torch.no_grad():
    bag.weight.copy_(torch.arange(10.).reshape(5, 2) % 3)
print(bag, bag(torch.tensor([[0, 1, 2], [3, 4, 0]])))
weighted = nn.EmbeddingBag.from_pretrained(torch.arange(10.).reshape(5, 2), mode="sum", freeze=False)
out = weighted(torch.tensor([1, 2, 4]), torch.tensor([0, 1]), per_sample_weights=torch.tensor([0.5, 2., 1.]))
print(out, out.grad_fn)


def predict(text, text_pipeline):
    with torch.no_grad():
        text = torch.tensor(text_pipeline(text))
        output = model(text, torch.tensor([0]))
        return output.argmax(1).item()


print("This is a %d news" % predict("the market and the bank price", text_pipeline))
