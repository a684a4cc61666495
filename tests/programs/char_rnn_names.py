"""A char-RNN name classifier in the style of "NLP From Scratch": one-hot letters, nn.RNN, nn.LSTM."""
import string
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)
print(n_letters)


def letterToIndex(letter):
    return all_letters.find(letter)


def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor


print(lineToTensor('J').size(), lineToTensor('Jones').size())
print(lineToTensor('ab').nonzero())

data = {'English': ['Smith', 'Jones', 'Brown'], 'French': ['Dubois', 'Laurent', 'Moreau'],
        'Italian': ['Rossi', 'Bianchi', 'Romano'], 'Japanese': ['Sato', 'Suzuki', 'Takahashi']}
all_categories = list(data)
n_categories = len(all_categories)


class CharRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(CharRNN, self).__init__()
        self.rnn = nn.RNN(input_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, line_tensor):
        rnn_out, hidden = self.rnn(line_tensor)
        output = self.h2o(hidden[0])
        output = self.softmax(output)
        return output


class CharLSTM(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers=2, batch_first=False)
        self.h2o = nn.Linear(hidden_size, output_size)

    def forward(self, line_tensor):
        out, (h, c) = self.lstm(line_tensor)
        return F.log_softmax(self.h2o(out[-1]), dim=1)


def categoryFromOutput(output):
    top_n, top_i = output.topk(1)
    category_i = top_i[0].item()
    return all_categories[category_i], category_i


def fill(model, seed):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.tensor(rng.uniform(-0.3, 0.3, tuple(p.shape)), dtype=torch.float32))


n_hidden = 16
for cls in (CharRNN, CharLSTM):
    rnn = cls(n_letters, n_hidden, n_categories)
    print(rnn)
    print([(k, tuple(v.shape)) for k, v in rnn.state_dict().items()])
    fill(rnn, 3)
    output = rnn(lineToTensor('Albert'))
    print(categoryFromOutput(output), output.grad_fn)
    criterion = nn.NLLLoss()
    optimizer = torch.optim.SGD(rnn.parameters(), lr=0.05)
    for epoch in range(8):
        total = 0.0
        for category, names in data.items():
            category_tensor = torch.tensor([all_categories.index(category)], dtype=torch.long)
            for name in names:
                output = rnn(lineToTensor(name))
                loss = criterion(output, category_tensor)
                loss.backward()
                nn.utils.clip_grad_norm_(rnn.parameters(), 3)
                optimizer.step()
                optimizer.zero_grad()
                total += loss.item()
        if epoch % 2 == 1:
            print(epoch, f"{total / 12:.4f}")
    with torch.no_grad():
        for name in ['Smith', 'Rossi', 'Sato']:
            output = rnn(lineToTensor(name))
            print(name, categoryFromOutput(output), output.exp().sum().round().item())
